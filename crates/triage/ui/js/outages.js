// The Outages & maintenance view: outages from every source (tickets, SSB/ServiceNow,
// GOCDB, maintenance windows and alerts) with what they hide now, and the maintenance
// windows with a form to declare one, edit it (same id) or end it now.

import { h, replace, link, badge, notice, confirmButton, confirming } from './dom.js';
import { postJson, del } from './api.js';
import { localTime, relative, parseDuration, toLocalInput, fromLocalInput, utcOffset } from './format.js';
import { parseMatchers, formatMatcher } from './matchers.js';

function table(head, rows, cls) {
  return h('table', { class: ['list', cls] }, h('thead', {}, h('tr', {}, head.map((t) => h('th', {}, t)))), h('tbody', {}, rows));
}

function scopeText(scope) {
  const parts = [];
  for (const k of ['sites', 'hosts', 'services']) if (scope?.[k]?.length) parts.push(`${k}: ${scope[k].join(', ')}`);
  return parts.join('; ');
}

/** The Outages & maintenance view. */
export function outagesView(root, app) {
  const windowsEl = root.querySelector('#windows-list');
  const outagesEl = root.querySelector('#outages-list');
  const form = root.querySelector('#window-form');
  const title = root.querySelector('#window-form-title');
  const submit = root.querySelector('#window-submit');
  const cancel = root.querySelector('#window-cancel');
  const message = root.querySelector('#window-message');
  let editing = null;
  let signature = '';
  for (const el of form.querySelectorAll('.tz')) el.textContent = `(local, ${utcOffset()})`;
  form.elements.start.value = toLocalInput();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save();
  });
  cancel.addEventListener('click', () => reset());

  function reset() {
    editing = null;
    form.reset();
    form.elements.start.value = toLocalInput();
    title.textContent = 'New maintenance window';
    submit.textContent = 'Create window';
    cancel.hidden = true;
  }

  function edit(w) {
    editing = w;
    const f = form.elements;
    f.id.value = w.id;
    f.matchers.value = w.matchers.join('\n');
    f.reason.value = w.reason;
    f.owner.value = w.owner;
    f.start.value = w.startsAt ? toLocalInput(w.startsAt) : '';
    f.duration.value = '';
    f.end.value = w.endsAt ? toLocalInput(w.endsAt) : '';
    f.url.value = w.url ?? '';
    f.intervals.value = w.timeIntervals?.length ? JSON.stringify(w.timeIntervals) : '';
    title.textContent = `Edit window ${w.id}`;
    submit.textContent = 'Save window';
    cancel.hidden = false;
    message.textContent = '';
    f.reason.focus();
  }

  /** The window the form describes, or throws with what is wrong. */
  function fromForm() {
    const f = form.elements;
    const matchers = f.matchers.value.split('\n').map((l) => l.trim()).filter(Boolean);
    if (matchers.length === 0) throw new Error('at least one matcher is required');
    const body = { matchers: matchers.flatMap((m) => parseMatchers(m).map(formatMatcher)), reason: f.reason.value.trim(), owner: f.owner.value.trim() };
    if (editing) body.id = editing.id;
    const start = f.start.value ? fromLocalInput(f.start.value) : null;
    const intervals = f.intervals.value.trim();
    if (intervals) {
      body.timeIntervals = JSON.parse(intervals);
      if (!Array.isArray(body.timeIntervals)) throw new Error('time intervals must be a JSON list');
    }
    let end = f.end.value ? fromLocalInput(f.end.value) : null;
    if (f.duration.value.trim()) {
      const secs = parseDuration(f.duration.value);
      if (!(secs > 0)) throw new Error(`invalid duration "${f.duration.value}" (e.g. 90m, 4h, 2d)`);
      end = new Date(Date.parse(start ?? new Date().toISOString()) + secs * 1000).toISOString();
    }
    if (start) body.startsAt = start;
    if (end) body.endsAt = end;
    if (!intervals && !body.startsAt) body.startsAt = new Date().toISOString();
    if (!intervals && !end) throw new Error('give a duration or an end (or time intervals for a recurring window)');
    if (f.url.value.trim()) body.url = f.url.value.trim();
    if (editing?.createdAt) body.createdAt = editing.createdAt;
    return body;
  }

  async function save() {
    let body;
    try {
      body = fromForm();
    } catch (e) {
      message.textContent = e.message;
      message.className = 'message error-text';
      return;
    }
    submit.disabled = true;
    try {
      const saved = await postJson('api/v2/maintenances', body);
      message.textContent = `${editing ? 'Saved' : 'Created'} window ${saved.id}.`;
      message.className = 'message ok-text';
      reset();
      app.refresh();
    } catch (e) {
      message.textContent = `Refused: ${e.message}`;
      message.className = 'message error-text';
    } finally {
      submit.disabled = false;
    }
  }

  function windowRow(w) {
    const hiding = app.snapshot.outages.find((o) => o.id === `maintenance:${w.id}`)?.hiding ?? [];
    const ended = w.endsAt && Date.parse(w.endsAt) <= Date.now();
    return h(
      'tr',
      { dataset: { window: w.id } },
      h('td', {}, w.active ? badge('active', 'active') : badge(ended ? 'ended' : 'scheduled', 'muted')),
      h('td', { class: 'mono' }, w.matchers.join(', ')),
      h('td', { class: 'window-reason' }, w.reason, w.url ? [' ', link(w.url, 'link')] : ''),
      h('td', {}, w.owner),
      h('td', {}, w.timeIntervals?.length ? [badge('recurring', 'info'), ' '] : '', w.startsAt ? localTime(w.startsAt) : ''),
      h('td', {}, w.endsAt ? `${localTime(w.endsAt)} (${relative(w.endsAt)})` : 'open'),
      h('td', {}, String(hiding.length)),
      h(
        'td',
        { class: 'actions' },
        h('button', { type: 'button', class: 'ghost', on: { click: () => edit(w) } }, 'Edit'),
        ended ? null : confirmButton('End', 'End now', async () => {
          await del(`api/v2/maintenance/${encodeURIComponent(w.id)}`);
          app.refresh();
        }),
      ),
    );
  }

  function outageRow(o) {
    return h(
      'tr',
      { dataset: { outage: o.id } },
      h('td', {}, o.active ? badge('active', 'active') : badge('inactive', 'muted')),
      h('td', {}, badge(o.kind, o.kind === 'scheduled' ? 'maintenance' : 'error')),
      h('td', {}, o.source),
      h('td', {}, o.url ? link(o.url, o.title) : o.title, h('div', { class: 'muted mono' }, o.id)),
      h('td', {}, scopeText(o.scope)),
      h('td', {}, localTime(o.starts_at)),
      h('td', {}, o.ends_at ? `${localTime(o.ends_at)} (${relative(o.ends_at)})` : 'open'),
      h('td', { title: (o.hiding ?? []).join(', ') }, String((o.hiding ?? []).length)),
    );
  }

  function render() {
    const snap = app.snapshot;
    const data = JSON.stringify([snap.windows, snap.outages]);
    const sig = `${Math.floor(Date.now() / 30000)}${data}`;
    if (sig === signature || (signature.endsWith(data) && confirming(windowsEl))) return;
    signature = sig;
    const windows = [...snap.windows].sort((a, b) => Number(b.active) - Number(a.active) || String(b.startsAt ?? '').localeCompare(String(a.startsAt ?? '')));
    replace(
      windowsEl,
      windows.length === 0
        ? notice('info', 'No maintenance window is declared.')
        : table(['', 'Matchers', 'Reason', 'Owner', 'Start', 'End', 'Hiding', ''], windows.map(windowRow), 'windows'),
    );
    const outages = snap.outages.filter((o) => o.source !== 'maintenance').sort((a, b) => Number(b.active) - Number(a.active) || String(b.starts_at).localeCompare(String(a.starts_at)));
    replace(
      outagesEl,
      outages.length === 0
        ? notice('info', 'No outage is known from the configured sources.')
        : table(['', 'Kind', 'Source', 'Title', 'Scope', 'Start', 'End', 'Hiding'], outages.map(outageRow), 'outages'),
    );
  }

  return { render };
}
