// Entry point of the web UI: wires the tabs (the URL hash names the view), the shared label
// filter (kept in the URL's query), the theme toggle and the polling loop that refreshes the
// tab counts and the visible view without reloading the page.

import { initTheme } from './theme.js';
import { Snapshot, poll } from './live.js';
import { parseMatchers, formatMatcher } from './matchers.js';
import { alertsView } from './alerts.js';
import { suppressedView } from './suppressed.js';
import { outagesView } from './outages.js';
import { silencesView } from './silences.js';
import { incidentsView } from './incidents.js';
import { analyticsView } from './analytics.js';
import { historyView } from './history.js';

const POLL_MS = 5000;

const filterForm = document.getElementById('filter-form');
const filterInput = document.getElementById('filter-input');
const filterError = document.getElementById('filter-error');
const liveStatus = document.getElementById('live-status');

/** What views share: the latest data, the filter, and navigation. */
const app = {
  snapshot: new Snapshot(),
  filter: new URLSearchParams(location.search).getAll('filter'),
  refresh: () => loop.now(),
  show,
  setFilter,
  addFilter(name, value) {
    const m = formatMatcher({ name, value, isRegex: false, isEqual: true });
    if (!this.filter.includes(m)) setFilter([...this.filter, m]);
  },
};

const views = {
  alerts: alertsView(document.getElementById('view-alerts'), app),
  suppressed: suppressedView(document.getElementById('view-suppressed'), app),
  outages: outagesView(document.getElementById('view-outages'), app),
  silences: silencesView(document.getElementById('view-silences'), app),
  incidents: incidentsView(document.getElementById('view-incidents'), app),
  analytics: analyticsView(document.getElementById('view-analytics'), app),
  history: historyView(document.getElementById('view-history'), app),
};

function current() {
  const name = location.hash.replace(/^#/, '');
  return name in views ? name : 'alerts';
}

/** Switches to a view, passing it `args` (prefilled forms, a silence to point at). */
function show(name, args) {
  if (location.hash !== `#${name}`) history.pushState(null, '', `#${name}`);
  activate(args);
}

function activate(args) {
  const name = current();
  for (const section of document.querySelectorAll('main > .view')) section.hidden = section.dataset.view !== name;
  for (const tab of document.querySelectorAll('.tabs [data-view]')) tab.setAttribute('aria-selected', String(tab.dataset.view === name));
  filterForm.hidden = !['alerts', 'suppressed'].includes(name);
  const view = views[name];
  view.render?.();
  view.shown?.(args);
  view.load?.(true);
}

function setFilter(list) {
  app.filter = list;
  filterInput.value = list.join(', ');
  const url = new URL(location.href);
  url.searchParams.delete('filter');
  for (const f of list) url.searchParams.append('filter', f);
  history.replaceState(null, '', url);
  loop.now();
}

filterForm.addEventListener('submit', (e) => {
  e.preventDefault();
  try {
    setFilter(parseMatchers(filterInput.value).map(formatMatcher));
    filterError.textContent = '';
  } catch (err) {
    filterError.textContent = err.message;
  }
});
document.getElementById('filter-clear').addEventListener('click', () => {
  filterError.textContent = '';
  setFilter([]);
});

function setCount(id, n) {
  document.getElementById(id).textContent = n ? String(n) : '';
}

async function round() {
  const name = current();
  try {
    await app.snapshot.load(app.filter);
    filterError.textContent = '';
  } catch (e) {
    liveStatus.textContent = `update failed: ${e.message}`;
    liveStatus.className = 'live live-error';
    if (e.status === 400) filterError.textContent = e.message;
    return;
  }
  const snap = app.snapshot;
  setCount('count-alerts', snap.active.length);
  setCount('count-suppressed', snap.suppressed.length);
  setCount('count-outages', snap.outages.filter((o) => o.active).length);
  setCount('count-silences', snap.silences.filter((s) => s.status?.state === 'active').length);
  views[name].render?.();
  await views[name].load?.();
  liveStatus.textContent = `updated ${new Date().toLocaleTimeString()}`;
  liveStatus.className = 'live';
  document.body.dataset.loaded = 'true';
}

filterInput.value = app.filter.join(', ');
initTheme(document.getElementById('theme-toggle'));
window.addEventListener('hashchange', () => activate());
const loop = poll(round, POLL_MS);
activate();
