// Live updates: one polling loop that refreshes the shared data and the visible view every
// few seconds without reloading the page, pauses while the tab is hidden, never overlaps two
// rounds, and reports when the last round succeeded or why it failed.

import { getJson } from './api.js';

/**
 * What every view reads: the alert listing (with the current filter), outages, maintenance
 * windows and silences, fetched together each round.
 */
export class Snapshot {
  constructor() {
    this.alerts = [];
    this.outages = [];
    this.windows = [];
    this.silences = [];
    this.error = null;
  }

  /** Fetches everything; the alert listing is filtered by `filter` (matcher strings). */
  async load(filter) {
    const [alerts, outages, windows, silences] = await Promise.all([
      getJson('api/v2/alerts', filter.map((f) => ['filter', f])),
      getJson('api/v2/outages'),
      getJson('api/v2/maintenances'),
      getJson('api/v2/silences'),
    ]);
    Object.assign(this, { alerts, outages, windows, silences, error: null });
  }

  /** Alerts that notify (state active). */
  get active() {
    return this.alerts.filter((a) => a.status?.state !== 'suppressed' && !a.status?.flapping);
  }

  /** Alerts held back: silenced, inhibited or inside a scheduled outage. */
  get suppressed() {
    return this.alerts.filter((a) => a.status?.state === 'suppressed' || a.status?.flapping);
  }
}

/** Runs `round` now and then every `intervalMs` after the previous round ends. */
export function poll(round, intervalMs) {
  let timer = null;
  let running = false;
  let again = false;
  async function tick() {
    clearTimeout(timer);
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await round();
    } finally {
      running = false;
      if (again) {
        again = false;
        queueMicrotask(tick);
      } else if (!document.hidden) {
        timer = setTimeout(tick, intervalMs);
      }
    }
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) tick();
  });
  tick();
  return { now: tick };
}
