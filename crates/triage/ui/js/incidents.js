// The Incidents view: one incident per root cause (an outage or an alert), with its cause
// and link, shared labels, member alerts and how many notifications it sent. The endpoint is
// optional: a server without it answers 404 and the view says incidents are not available.

import { h, replace, link, badge, notice, chip } from './dom.js';
import { getJson } from './api.js';
import { localTime, relative, formatDuration } from './format.js';
import { severityKind } from './alerts.js';

/** Ids of incidents whose alert list is open, kept across re-renders. */
const openLists = new Set();

function incidentCard(inc) {
  const cause = inc.cause ?? {};
  const open = inc.state === 'open';
  const lasted = (Date.parse(inc.endsAt ?? new Date().toISOString()) - Date.parse(inc.startsAt)) / 1000;
  const alerts = inc.alerts ?? [];
  return h(
    'article',
    { class: ['incident', `incident-${inc.state}`], dataset: { incident: inc.id } },
    h(
      'header',
      { class: 'incident-head' },
      badge(inc.state, open ? 'critical' : 'muted'),
      inc.severity ? badge(inc.severity, severityKind(inc.severity)) : null,
      h('strong', {}, inc.title),
      h('span', { class: 'age' }, open ? `open for ${formatDuration(lasted)}` : `lasted ${formatDuration(lasted)}`),
    ),
    h(
      'p',
      { class: 'cause' },
      badge(cause.kind === 'outage' ? 'outage' : 'alert', cause.kind === 'outage' ? 'maintenance' : 'info'),
      ' ',
      cause.url ? link(cause.url, cause.summary) : cause.summary,
      cause.fingerprint ? h('span', { class: 'muted mono' }, ` ${cause.fingerprint}`) : null,
    ),
    h('div', { class: 'chips' }, Object.entries(inc.labels ?? {}).map(([k, v]) => chip(k, v))),
    h(
      'p',
      { class: 'muted' },
      `started ${localTime(inc.startsAt)} (${relative(inc.startsAt)})`,
      inc.endsAt ? `, resolved ${localTime(inc.endsAt)}` : '',
      inc.receiver ? `; receiver ${inc.receiver}` : '',
      `; ${inc.notifications ?? 0} notification${inc.notifications === 1 ? '' : 's'}`,
    ),
    h(
      'details',
      { open: openLists.has(inc.id), on: { toggle: (e) => (e.target.open ? openLists.add(inc.id) : openLists.delete(inc.id)) } },
      h('summary', {}, `${alerts.length} alert${alerts.length === 1 ? '' : 's'}`),
      h(
        'table',
        { class: 'list' },
        h('tbody', {}, alerts.map((a) => h('tr', {}, h('td', {}, badge(a.status, a.status === 'firing' ? 'active' : 'muted')), h('td', {}, a.labels?.alertname ?? ''), h('td', {}, Object.entries(a.labels ?? {}).filter(([k]) => k !== 'alertname' && !(k in (inc.labels ?? {}))).map(([k, v]) => chip(k, v))), h('td', {}, localTime(a.startsAt))))),
      ),
    ),
  );
}

/** The Incidents view. */
export function incidentsView(root) {
  const list = root.querySelector('#incidents-list');
  const state = root.querySelector('#incident-state');
  let signature = '';
  state.addEventListener('change', () => load(true));

  async function load(force = false) {
    let incidents;
    try {
      incidents = await getJson('api/v2/incidents', [['state', state.value]]);
    } catch (e) {
      signature = '';
      replace(
        list,
        e.notFound
          ? notice('unavailable', 'Incidents are not available on this server (GET /api/v2/incidents answered 404).')
          : notice('error', `Incidents could not be loaded: ${e.message}`),
      );
      return;
    }
    const sig = JSON.stringify([Math.floor(Date.now() / 30000), incidents]);
    if (!force && sig === signature) return;
    signature = sig;
    replace(list, incidents.length === 0 ? notice('info', `No ${state.value === 'all' ? '' : `${state.value} `}incident.`) : h('div', { class: 'incidents' }, incidents.map(incidentCard)));
  }

  return { load };
}
