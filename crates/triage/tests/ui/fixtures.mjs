// Answers shaped like the contract of GET /api/v2/incidents and GET /api/v2/analytics, for
// checking that the UI renders them while those endpoints are not in this tree.

const day = (n) => new Date(Date.now() - n * 86400000).toISOString().slice(0, 10);

export function incidents() {
  const start = new Date(Date.now() - 3600000).toISOString();
  return [
    {
      id: 'inc-1',
      title: 'Storage outage at T2_CH_CSCS',
      state: 'open',
      startsAt: start,
      endsAt: null,
      cause: { kind: 'outage', summary: 'GGUS 145685: dCache pools down', url: 'https://helpdesk.ggus.eu/#ticket/zoom/145685' },
      labels: { site: 'T2_CH_CSCS' },
      severity: 'critical',
      receiver: 'ops',
      alerts: [
        { fingerprint: '00000000000000a1', labels: { alertname: 'DiskFull', site: 'T2_CH_CSCS', instance: 'se1' }, startsAt: start, endsAt: null, status: 'firing' },
        { fingerprint: '00000000000000a2', labels: { alertname: 'TransferErrors', site: 'T2_CH_CSCS' }, startsAt: start, endsAt: null, status: 'firing' },
      ],
      notifications: 1,
    },
  ];
}

export function analytics() {
  const per = (keys) => [0, 1, 2, 3].flatMap((d) => keys.map((k, i) => ({ day: day(d), key: k, alerts: (d + 1) * (i + 2) })));
  return {
    from: new Date(Date.now() - 7 * 86400000).toISOString(),
    to: new Date().toISOString(),
    noisiest: [
      { alertname: 'DiskFull', firings: 42, transitions: 80 },
      { alertname: 'TransferErrors', firings: 17, transitions: 30 },
    ],
    flapping: [{ fingerprint: '00000000000000a3', alertname: 'NodeDown', labels: { alertname: 'NodeDown', instance: 'node7' }, flaps: 9 }],
    timeToResolve: {
      count: 12,
      meanSeconds: 5400,
      medianSeconds: 1800,
      p90Seconds: 14400,
      byAlertname: [
        { alertname: 'DiskFull', count: 5, meanSeconds: 7200 },
        { alertname: 'NodeDown', count: 7, meanSeconds: 900 },
      ],
    },
    perDay: {
      site: per(['T2_CH_CSCS', 'T1_DE_KIT', 'T2_IT_Pisa']),
      category: per(['storage', 'network', 'data_transfer']),
      service: per(['dcache', 'fts']),
    },
  };
}
