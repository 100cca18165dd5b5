// The Alerts view: alerts that notify, grouped by a label the operator picks (one column
// of cards per group value), filtered by the shared label filter. Each card opens into its
// details (alert_detail.js); the cards themselves are also used by the Suppressed view.

import { h, replace, chip, badge, notice } from './dom.js';
import { relative, localTime } from './format.js';
import { AlertDetail } from './alert_detail.js';

const GROUP_KEY = 'triage.groupBy';
const NONE = '';
/** Alerts shown per group before a "show all" button. */
const PER_GROUP = 25;
/** Labels shown in a card's title line rather than as chips. */
const TITLE_LABELS = new Set(['alertname', 'severity']);

/** The severity badge kind of a severity label. */
export function severityKind(sev) {
  const s = String(sev ?? '').toLowerCase();
  if (['critical', 'page', 'fatal', 'emergency'].includes(s)) return 'critical';
  if (['error', 'major', 'high'].includes(s)) return 'error';
  if (['warning', 'warn', 'minor', 'medium'].includes(s)) return 'warning';
  return 'info';
}

/**
 * Keeps the open/closed state and the details of every alert card across re-renders, so a
 * poll does not close what the operator opened.
 */
export class CardState {
  constructor(app) {
    this.app = app;
    this.open = new Set();
    this.details = new Map();
  }

  detail(alert) {
    let d = this.details.get(alert.fingerprint);
    if (!d) {
      d = new AlertDetail(alert, this.app);
      this.details.set(alert.fingerprint, d);
    }
    d.update(alert);
    return d;
  }

  /** Lets the open details refresh what the listing does not carry. */
  poll() {
    for (const fp of this.open) this.details.get(fp)?.poll();
  }

  /** Forgets alerts no longer listed. */
  prune(alerts) {
    const keep = new Set(alerts.map((a) => a.fingerprint));
    for (const fp of this.details.keys()) if (!keep.has(fp)) this.details.delete(fp);
    for (const fp of this.open) if (!keep.has(fp)) this.open.delete(fp);
  }
}

/** One alert as a card: title line, summary, label chips; `extra` goes under them. */
export function alertCard(alert, state, { hide = [], extra = null } = {}) {
  const labels = alert.labels ?? {};
  const annotations = alert.annotations ?? {};
  const fp = alert.fingerprint;
  const isOpen = state.open.has(fp);
  const hidden = new Set([...TITLE_LABELS, ...hide]);
  const card = h('article', { class: ['alert', `state-${alert.status?.state ?? 'active'}`], dataset: { fingerprint: fp } });
  const toggle = h(
    'button',
    { type: 'button', class: 'alert-head', 'aria-expanded': String(isOpen), on: { click: flip } },
    h('span', { class: 'alertname' }, labels.alertname ?? '(no alertname)'),
    labels.severity ? badge(labels.severity, severityKind(labels.severity)) : null,
    h('span', { class: 'age', title: `since ${localTime(alert.startsAt)} (${alert.startsAt})` }, relative(alert.startsAt)),
  );
  const summary = annotations.summary ?? annotations.description ?? annotations.message;
  card.append(
    toggle,
    summary ? h('p', { class: 'summary' }, summary) : null,
    h(
      'div',
      { class: 'chips' },
      Object.entries(labels)
        .filter(([k]) => !hidden.has(k))
        .map(([k, v]) => chip(k, v, (n, val) => state.app.addFilter(n, val))),
    ),
  );
  if (extra) card.append(extra);
  const slot = h('div', { class: 'alert-detail-slot' });
  card.append(slot);
  if (isOpen) slot.append(state.detail(alert).el);
  function flip() {
    if (state.open.has(fp)) {
      state.open.delete(fp);
      slot.replaceChildren();
    } else {
      state.open.add(fp);
      const d = state.detail(alert);
      slot.append(d.el);
      d.opened();
    }
    toggle.setAttribute('aria-expanded', String(state.open.has(fp)));
  }
  return card;
}

/** Groups alerts by the value of `label` (all in one group when `label` is empty). */
export function groupAlerts(alerts, label) {
  const groups = new Map();
  for (const a of alerts) {
    const key = label === NONE ? '' : (a.labels?.[label] ?? '');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(a);
  }
  for (const list of groups.values()) list.sort((a, b) => String(b.startsAt).localeCompare(String(a.startsAt)));
  return [...groups.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
}

/** The Alerts view. */
export function alertsView(root, app) {
  const select = root.querySelector('#group-by');
  const list = root.querySelector('#alert-groups');
  const summary = root.querySelector('#alerts-summary');
  const cards = new CardState(app);
  const expanded = new Set();
  let groupBy = localStorage.getItem(GROUP_KEY) ?? 'alertname';
  let signature = '';
  select.addEventListener('change', () => {
    groupBy = select.value;
    expanded.clear();
    localStorage.setItem(GROUP_KEY, groupBy);
    render(true);
  });

  function options(alerts) {
    const names = new Set(['alertname', groupBy].filter(Boolean));
    for (const a of alerts) for (const k of Object.keys(a.labels ?? {})) names.add(k);
    const wanted = [...[...names].sort(), NONE];
    const current = [...select.options].map((o) => o.value);
    if (current.join('\n') !== wanted.join('\n')) {
      replace(select, wanted.map((n) => h('option', { value: n }, n === NONE ? '(no grouping)' : n)));
    }
    select.value = groupBy;
  }

  function render(force = false) {
    const snap = app.snapshot;
    const alerts = snap.active;
    options(snap.alerts);
    cards.prune(snap.alerts);
    cards.poll();
    // Re-render when the alerts change, and every half minute for the ages.
    const sig = JSON.stringify([groupBy, Math.floor(Date.now() / 30000), alerts.map((a) => [a.fingerprint, a.updatedAt])]);
    if (!force && sig === signature) return;
    signature = sig;
    summary.textContent = `${alerts.length} notifying, ${snap.suppressed.length} suppressed`;
    if (alerts.length === 0) {
      replace(list, notice('info', app.filter.length ? 'No notifying alert matches the filter.' : 'No alert is notifying.'));
      return;
    }
    replace(
      list,
      groupAlerts(alerts, groupBy).map(([value, members]) =>
        h(
          'section',
          { class: 'group', dataset: { group: value } },
          h(
            'h3',
            { class: 'group-head' },
            groupBy === NONE ? 'all alerts' : [h('span', { class: 'chip-name' }, groupBy), '=', h('span', { class: 'chip-value' }, value || '(none)')],
            h('span', { class: 'count' }, String(members.length)),
          ),
          (expanded.has(value) ? members : members.slice(0, PER_GROUP)).map((a) => alertCard(a, cards, { hide: [groupBy] })),
          members.length > PER_GROUP && !expanded.has(value)
            ? h('button', { type: 'button', class: 'ghost more', on: { click: () => { expanded.add(value); render(true); } } }, `show all ${members.length}`)
            : null,
        ),
      ),
    );
  }

  return { render };
}
