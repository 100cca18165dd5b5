// The Analytics view: alerts per day by category, site and service (stacked bars), the
// noisiest alerts, flapping alerts and time to resolve, over a chosen range. The endpoint is
// optional: a server without it answers 404 and the view says analytics are not available.

import { h, replace, notice, chip } from './dom.js';
import { getJson } from './api.js';
import { formatDuration } from './format.js';
import { stackedBars, horizontalBars } from './charts.js';

/** Analytics refresh at most this often while the view is shown. */
const REFRESH_MS = 60000;

function figure(label, value) {
  return h('div', { class: 'figure' }, h('div', { class: 'figure-value' }, value), h('div', { class: 'figure-label' }, label));
}

function panel(title, ...body) {
  return h('section', { class: 'panel chart-panel' }, h('h3', {}, title), body);
}

function render(a) {
  const ttr = a.timeToResolve ?? {};
  const perDay = a.perDay ?? {};
  return [
    h(
      'div',
      { class: 'figures' },
      figure('resolved alerts', String(ttr.count ?? 0)),
      figure('mean time to resolve', formatDuration(ttr.meanSeconds)),
      figure('median', formatDuration(ttr.medianSeconds)),
      figure('90th percentile', formatDuration(ttr.p90Seconds)),
    ),
    h(
      'div',
      { class: 'chart-grid' },
      panel('Alerts per day by category', stackedBars(perDay.category ?? [])),
      panel('Alerts per day by site', stackedBars(perDay.site ?? [])),
      panel('Alerts per day by service', stackedBars(perDay.service ?? [])),
      panel(
        'Noisiest alerts (firings)',
        horizontalBars((a.noisiest ?? []).map((n) => ({ label: n.alertname, value: n.firings, text: `${n.firings} firings, ${n.transitions} transitions` }))),
      ),
      panel(
        'Mean time to resolve by alert',
        horizontalBars((ttr.byAlertname ?? []).map((b) => ({ label: b.alertname, value: b.meanSeconds, text: `${formatDuration(b.meanSeconds)} (${b.count})` }))),
      ),
      panel(
        'Flapping alerts',
        (a.flapping ?? []).length === 0
          ? h('p', { class: 'muted' }, 'None in this range.')
          : h(
              'table',
              { class: 'list' },
              h('thead', {}, h('tr', {}, ['Alert', 'Labels', 'Flaps'].map((t) => h('th', {}, t)))),
              h('tbody', {}, a.flapping.map((f) => h('tr', {}, h('td', {}, f.alertname), h('td', {}, Object.entries(f.labels ?? {}).filter(([k]) => k !== 'alertname').map(([k, v]) => chip(k, v))), h('td', {}, String(f.flaps))))),
            ),
      ),
    ),
  ];
}

/** The Analytics view. */
export function analyticsView(root) {
  const form = root.querySelector('#analytics-form');
  const body = root.querySelector('#analytics-body');
  let loadedAt = 0;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load(true);
  });

  async function load(force = false) {
    if (!force && Date.now() - loadedAt < REFRESH_MS) return;
    loadedAt = Date.now();
    const to = new Date();
    const from = new Date(to.getTime() - Number(form.elements.range.value) * 1000);
    let a;
    try {
      a = await getJson('api/v2/analytics', [['from', from.toISOString()], ['to', to.toISOString()], ['top', form.elements.top.value || '10']]);
    } catch (e) {
      replace(
        body,
        e.notFound
          ? notice('unavailable', 'Analytics are not available on this server (GET /api/v2/analytics answered 404).')
          : notice('error', `Analytics could not be loaded: ${e.message}`),
      );
      return;
    }
    replace(body, render(a));
  }

  return { load };
}
