// The details of one alert, opened from its card: labels, annotations, the links found in
// them, its category (from the classifier), its history, the reasons it is held back, and
// the operator's controls (feedback on the category, silence it).

import { h, replace, link, badge, notice } from './dom.js';
import { getJson, postJson } from './api.js';
import { localTime, relative } from './format.js';
import { formatMatcher } from './matchers.js';
import { reasonNodes } from './suppressed.js';

/** The categories the classifier knows (triage-core's `Category`), and `noise`. */
export const CATEGORIES = [
  'storage', 'network', 'data_transfer', 'authentication', 'workload_management', 'database',
  'compute', 'site_availability', 'service_down', 'monitoring', 'other',
];

/** Annotation names that hold links, shown first and in this order. */
const LINK_KEYS = ['runbook_url', 'runbook', 'dashboard', 'dashboard_url', 'ticket', 'ticket_url', 'outage_url'];
/** An open alert's history is reloaded at most this often. */
const HISTORY_MS = 10000;
const URL_IN_TEXT = /https?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]]/g;

/** The links of an alert: `[{name, url}]`, from its annotations and its generator URL. */
export function linksOf(alert) {
  const out = [];
  const entries = Object.entries(alert.annotations ?? {});
  const rank = (k) => {
    const i = LINK_KEYS.indexOf(k.toLowerCase());
    return i < 0 ? LINK_KEYS.length : i;
  };
  entries.sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]));
  for (const [k, v] of entries) {
    const urls = String(v).match(URL_IN_TEXT) ?? [];
    urls.forEach((url, i) => out.push({ name: urls.length > 1 ? `${k} ${i + 1}` : k, url }));
  }
  if (alert.generatorURL) out.push({ name: 'source', url: alert.generatorURL });
  return out;
}

function pairsTable(obj, cls) {
  const rows = Object.entries(obj ?? {});
  if (rows.length === 0) return h('p', { class: 'muted' }, 'none');
  return h('table', { class: ['kv', cls] }, h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v)))));
}

/** The details of one alert; built once, updated in place by each poll. */
export class AlertDetail {
  constructor(alert, app) {
    this.app = app;
    this.alert = alert;
    this.status = h('div', { class: 'detail-status' });
    this.category = h('span', { class: 'category' }, '…');
    this.history = h('div', { class: 'history' });
    this.feedbackMessage = h('span', { class: 'message', role: 'status' });
    this.el = h('div', { class: 'alert-detail' });
    this.build();
  }

  build() {
    const a = this.alert;
    const links = linksOf(a);
    const select = h(
      'select',
      { class: 'feedback-category', 'aria-label': 'Category' },
      h('option', { value: '' }, 'set category…'),
      CATEGORIES.map((c) => h('option', { value: c }, c)),
    );
    const save = h('button', { type: 'button', class: 'feedback-save', on: { click: () => this.feedback(select.value) } }, 'Save category');
    const noise = h('button', { type: 'button', class: 'feedback-noise ghost', on: { click: () => this.feedback('noise') } }, 'Mark as noise');
    const silence = h('button', { type: 'button', class: 'ghost', on: { click: () => this.silence() } }, 'Silence…');
    const history = h('button', { type: 'button', class: 'ghost', on: { click: () => this.app.show('history', { fingerprint: a.fingerprint }) } }, 'Full history');
    replace(
      this.el,
      this.status,
      h(
        'div',
        { class: 'detail-grid' },
        h('div', {}, h('h4', {}, 'Labels'), pairsTable(a.labels, 'labels')),
        h('div', {}, h('h4', {}, 'Annotations'), pairsTable(a.annotations, 'annotations')),
      ),
      h(
        'div',
        { class: 'detail-grid' },
        h(
          'div',
          {},
          h('h4', {}, 'Links'),
          links.length ? h('ul', { class: 'links' }, links.map((l) => h('li', {}, h('span', { class: 'muted' }, `${l.name}: `), link(l.url)))) : h('p', { class: 'muted' }, 'none'),
          h('h4', {}, 'Category'),
          h('p', {}, this.category),
          h('div', { class: 'row feedback' }, select, save, noise),
          this.feedbackMessage,
        ),
        h('div', {}, h('h4', {}, 'History'), this.history),
      ),
      h('div', { class: 'row' }, silence, history, h('span', { class: 'muted mono' }, `fingerprint ${a.fingerprint}`)),
    );
    this.renderStatus();
  }

  /** Takes the latest listing of the alert. */
  update(alert) {
    const changed = JSON.stringify(alert.labels) !== JSON.stringify(this.alert.labels) || JSON.stringify(alert.annotations) !== JSON.stringify(this.alert.annotations);
    const moved = alert.updatedAt !== this.alert.updatedAt;
    this.alert = alert;
    if (changed) this.build();
    else this.renderStatus();
    if (this.loaded && (changed || moved)) this.opened();
  }

  renderStatus() {
    const a = this.alert;
    const st = a.status?.state ?? 'active';
    const reasons = reasonNodes(a, this.app);
    replace(
      this.status,
      badge(st, st === 'suppressed' ? 'muted' : 'active'),
      ` since ${localTime(a.startsAt)} (${relative(a.startsAt)}); updated ${relative(a.updatedAt)}`,
      (a.receivers ?? []).length ? `; receivers: ${a.receivers.map((r) => r.name).join(', ')}` : '',
      reasons.length ? h('ul', { class: 'reasons' }, reasons.map((r) => h('li', {}, r))) : null,
    );
  }

  /** Loads what the listing does not carry: category and history. */
  opened() {
    this.loaded = true;
    this.loadCategory();
    this.loadHistory();
  }

  async loadCategory() {
    const a = this.alert;
    if (a.annotations?.category) {
      replace(this.category, badge(a.annotations.category, 'category'), ' (given by the alert)');
      return;
    }
    try {
      const c = await postJson('api/v2/classify', { labels: a.labels ?? {}, annotations: a.annotations ?? {} });
      replace(this.category, badge(c.category, 'category'), ` confidence ${Number(c.confidence).toFixed(2)}`);
    } catch (e) {
      replace(this.category, h('span', { class: 'muted' }, /disabled/.test(e.message) ? 'classification is off on this server' : `unavailable: ${e.message}`));
    }
  }

  /** Reloads the history when it is older than `HISTORY_MS` (called by every poll while open). */
  poll() {
    if (this.loaded && Date.now() - (this.historyAt ?? 0) > HISTORY_MS) this.loadHistory();
  }

  async loadHistory() {
    this.historyAt = Date.now();
    try {
      const rows = await getJson('api/v2/history', [['fingerprint', this.alert.fingerprint], ['limit', '20']]);
      replace(
        this.history,
        rows.length === 0
          ? h('p', { class: 'muted' }, 'no recorded change')
          : h('ol', { class: 'timeline' }, rows.map((r) => h('li', {}, h('span', { class: 'mono' }, localTime(r.at)), ' ', badge(r.state, r.state === 'firing' ? 'active' : 'muted')))),
      );
    } catch (e) {
      replace(this.history, notice('error', `history: ${e.message}`));
    }
  }

  async feedback(category) {
    if (!category) {
      this.feedbackMessage.textContent = 'Pick a category first.';
      return;
    }
    this.feedbackMessage.textContent = 'saving…';
    try {
      const stored = await postJson('api/v2/feedback', { fingerprint: this.alert.fingerprint, category });
      this.feedbackMessage.textContent = `Saved: ${stored.category}`;
      this.feedbackMessage.dataset.saved = stored.category;
    } catch (e) {
      this.feedbackMessage.textContent = `Not saved: ${e.message}`;
    }
  }

  silence() {
    const matchers = Object.entries(this.alert.labels ?? {}).map(([name, value]) => formatMatcher({ name, value, isRegex: false, isEqual: true }));
    this.app.show('silences', { matchers: matchers.join(', ') });
  }
}
