// The Suppressed view: alerts held back, sorted by why (a maintenance window or outage, a
// silence, an inhibiting alert, flapping), each with the reason the API gives and its link; and the
// store's suppression records (which alerts an outage hid, from when to when).

import { h, replace, link, badge, notice, chip } from './dom.js';
import { getJson } from './api.js';
import { localTime, relative, isZeroTime } from './format.js';
import { alertCard, CardState } from './alerts.js';

/** Why `alert` is held back, as DOM nodes, from what the listing and the snapshot say. */
export function reasonNodes(alert, app) {
  const snap = app.snapshot;
  const st = alert.status ?? {};
  const out = [];
  if (st.outage) out.push(outageReason(st.outage, snap));
  // The outage's id is also in silencedBy (for amtool and karma); it is shown once, above.
  for (const id of (st.silencedBy ?? []).filter((x) => x !== st.outage)) {
    const s = snap.silences.find((x) => x.id === id);
    out.push(
      h(
        'span',
        { class: 'reason reason-silence' },
        badge('silenced', 'silence'),
        s ? ` by ${s.createdBy}: ${s.comment} (until ${localTime(s.endsAt)}) ` : ` by silence ${id} `,
        h('button', { type: 'button', class: 'linkish', on: { click: () => app.show('silences', { highlight: id }) } }, 'show silence'),
      ),
    );
  }
  for (const fp of st.inhibitedBy ?? []) {
    const src = snap.alerts.find((x) => x.fingerprint === fp);
    out.push(
      h(
        'span',
        { class: 'reason reason-inhibition' },
        badge('inhibited', 'inhibit'),
        src ? [` by ${src.labels?.alertname ?? fp} `, Object.entries(src.labels ?? {}).filter(([k]) => k !== 'alertname').map(([k, v]) => chip(k, v))] : ` by alert ${fp}`,
      ),
    );
  }
  if (st.flapping) {
    out.push(h('span', { class: 'reason reason-flapping' }, badge('flapping', 'inhibit'), ' notifications held until it is stable'));
  }
  return out;
}

function outageReason(id, snap) {
  if (id.startsWith('maintenance:')) {
    const w = snap.windows.find((x) => `maintenance:${x.id}` === id);
    if (w) {
      return h(
        'span',
        { class: 'reason reason-maintenance' },
        badge('maintenance', 'maintenance'),
        ` ${w.reason} (${w.owner})`,
        w.endsAt ? `, until ${localTime(w.endsAt)}` : '',
        w.url ? [' ', link(w.url, 'link')] : '',
      );
    }
  }
  const o = snap.outages.find((x) => x.id === id);
  return h(
    'span',
    { class: 'reason reason-outage' },
    badge('outage', 'maintenance'),
    o ? [` ${o.source}: `, o.url ? link(o.url, o.title) : o.title, o.ends_at ? `, until ${localTime(o.ends_at)}` : ''] : ` ${id}`,
  );
}

/** The primary reason kind of a suppressed alert, for sectioning. */
function kindOf(alert) {
  const st = alert.status ?? {};
  if (st.outage) return 'outage';
  if ((st.silencedBy ?? []).length) return 'silence';
  if ((st.inhibitedBy ?? []).length) return 'inhibition';
  if (st.flapping) return 'flapping';
  return 'other';
}

const SECTIONS = [
  ['outage', 'In a maintenance window or scheduled outage'],
  ['silence', 'Silenced'],
  ['inhibition', 'Inhibited by another alert'],
  ['flapping', 'Flapping: notifications held until stable'],
  ['other', 'Suppressed'],
];

/** The Suppressed view. */
export function suppressedView(root, app) {
  const list = root.querySelector('#suppressed-list');
  const records = root.querySelector('#suppression-records');
  const recordsBody = root.querySelector('#suppression-records-body');
  const cards = new CardState(app);
  let signature = '';
  records.addEventListener('toggle', () => records.open && loadRecords());

  function render() {
    const snap = app.snapshot;
    const alerts = snap.suppressed;
    cards.prune(snap.alerts);
    cards.poll();
    const sig = JSON.stringify([Math.floor(Date.now() / 30000), alerts.map((a) => [a.fingerprint, a.updatedAt, a.status]), snap.windows, snap.silences.map((s) => [s.id, s.comment, s.endsAt])]);
    if (sig === signature) return;
    signature = sig;
    if (alerts.length === 0) {
      replace(list, notice('info', 'No alert is held back.'));
      return;
    }
    replace(
      list,
      SECTIONS.map(([kind, title]) => {
        const members = alerts.filter((a) => kindOf(a) === kind);
        if (members.length === 0) return null;
        return h(
          'section',
          { class: 'group', dataset: { reason: kind } },
          h('h3', { class: 'group-head' }, title, h('span', { class: 'count' }, String(members.length))),
          members.map((a) => alertCard(a, cards, { extra: h('ul', { class: 'reasons' }, reasonNodes(a, app).map((r) => h('li', {}, r))) })),
        );
      }),
    );
  }

  async function loadRecords() {
    try {
      const rows = await getJson('api/v2/suppressions', [['limit', '100']]);
      replace(
        recordsBody,
        rows.length === 0
          ? h('p', { class: 'muted' }, 'No alert was hidden by an outage yet.')
          : h(
              'table',
              { class: 'list' },
              h('thead', {}, h('tr', {}, ['Outage', 'Alert', 'Hidden from', 'Until', 'Still firing at the end'].map((t) => h('th', {}, t)))),
              h(
                'tbody',
                {},
                rows.map((r) =>
                  h(
                    'tr',
                    {},
                    h('td', { class: 'mono' }, r.outageId),
                    h('td', {}, Object.entries(r.labels ?? {}).map(([k, v]) => chip(k, v))),
                    h('td', {}, localTime(r.beganAt)),
                    h('td', {}, r.endedAt && !isZeroTime(r.endedAt) ? localTime(r.endedAt) : `open (${relative(r.beganAt)})`),
                    h('td', {}, r.stillFiring === null || r.stillFiring === undefined ? '' : r.stillFiring ? 'yes' : 'no'),
                  ),
                ),
              ),
            ),
      );
    } catch (e) {
      replace(recordsBody, notice('error', e.message));
    }
  }

  return {
    render,
    load: () => (records.open ? loadRecords() : undefined),
  };
}
