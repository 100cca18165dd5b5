// The Silences view: silences (active and pending first, expired on request), a form to
// create one from matchers, a duration, an author and a comment (with how many current
// alerts it would match), and expiring one.

import { h, replace, badge, notice, confirmButton, confirming } from './dom.js';
import { getJson, postJson, del } from './api.js';
import { localTime, relative, parseDuration, toLocalInput, fromLocalInput, utcOffset } from './format.js';
import { parseMatchers, formatMatcher } from './matchers.js';

const AUTHOR_KEY = 'triage.author';
const ORDER = { active: 0, pending: 1, expired: 2 };

/** The Silences view. */
export function silencesView(root, app) {
  const listEl = root.querySelector('#silences-list');
  const showExpired = root.querySelector('#show-expired');
  const form = root.querySelector('#silence-form');
  const preview = root.querySelector('#silence-preview');
  const message = root.querySelector('#silence-message');
  const submit = root.querySelector('#silence-submit');
  const f = form.elements;
  let highlight = null;
  let signature = '';
  let previewTimer = null;
  for (const el of form.querySelectorAll('.tz')) el.textContent = `(local, ${utcOffset()}; empty = now)`;
  f.createdBy.value = localStorage.getItem(AUTHOR_KEY) ?? '';
  showExpired.addEventListener('change', () => render(true));
  f.matchers.addEventListener('input', () => {
    clearTimeout(previewTimer);
    preview.textContent = '…';
    previewTimer = setTimeout(updatePreview, 300);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    create();
  });

  async function updatePreview() {
    let matchers;
    try {
      matchers = parseMatchers(f.matchers.value);
    } catch (e) {
      preview.textContent = e.message;
      return;
    }
    if (matchers.length === 0) {
      preview.textContent = '';
      return;
    }
    try {
      const alerts = await getJson('api/v2/alerts', matchers.map((m) => ['filter', formatMatcher(m)]));
      preview.textContent = `matches ${alerts.length} current alert${alerts.length === 1 ? '' : 's'}`;
    } catch (e) {
      preview.textContent = e.message;
    }
  }

  async function create() {
    message.className = 'message error-text';
    let matchers;
    try {
      matchers = parseMatchers(f.matchers.value);
    } catch (e) {
      message.textContent = e.message;
      return;
    }
    if (matchers.length === 0) {
      message.textContent = 'at least one matcher is required';
      return;
    }
    const secs = parseDuration(f.duration.value);
    if (!(secs > 0)) {
      message.textContent = `invalid duration "${f.duration.value}" (e.g. 30m, 2h, 1d)`;
      return;
    }
    const startsAt = f.start.value ? fromLocalInput(f.start.value) : new Date().toISOString();
    const endsAt = new Date(Date.parse(startsAt) + secs * 1000).toISOString();
    const body = {
      matchers: matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual })),
      startsAt,
      endsAt,
      createdBy: f.createdBy.value.trim(),
      comment: f.comment.value.trim(),
    };
    submit.disabled = true;
    try {
      const { silenceID } = await postJson('api/v2/silences', body);
      localStorage.setItem(AUTHOR_KEY, body.createdBy);
      message.textContent = `Created silence ${silenceID}.`;
      message.className = 'message ok-text';
      highlight = silenceID;
      f.matchers.value = '';
      f.comment.value = '';
      preview.textContent = '';
      app.refresh();
    } catch (e) {
      message.textContent = `Refused: ${e.message}`;
    } finally {
      submit.disabled = false;
    }
  }

  function row(s) {
    const state = s.status?.state ?? 'active';
    return h(
      'tr',
      { dataset: { silence: s.id }, class: s.id === highlight ? 'highlight' : null },
      h('td', {}, badge(state, state === 'active' ? 'silence' : 'muted')),
      h('td', { class: 'mono' }, s.matchers.map((m) => formatMatcher(m)).join(', ')),
      h('td', {}, s.createdBy),
      h('td', { class: 'silence-comment' }, s.comment),
      h('td', {}, localTime(s.startsAt)),
      h('td', { title: s.endsAt }, `${localTime(s.endsAt)} (${relative(s.endsAt)})`),
      h(
        'td',
        { class: 'actions' },
        state === 'expired'
          ? null
          : confirmButton('Expire', 'Expire now', async () => {
              await del(`api/v2/silence/${encodeURIComponent(s.id)}`);
              app.refresh();
            }),
      ),
    );
  }

  function render(force = false) {
    const all = app.snapshot.silences;
    const data = JSON.stringify([showExpired.checked, highlight, all]);
    const sig = `${Math.floor(Date.now() / 30000)}${data}`;
    if (!force && (sig === signature || (signature.endsWith(data) && confirming(listEl)))) return;
    signature = sig;
    const shown = all
      .filter((s) => showExpired.checked || s.status?.state !== 'expired')
      .sort((a, b) => (ORDER[a.status?.state] ?? 3) - (ORDER[b.status?.state] ?? 3) || String(a.endsAt).localeCompare(String(b.endsAt)));
    replace(
      listEl,
      shown.length === 0
        ? notice('info', showExpired.checked ? 'No silence.' : 'No active or pending silence.')
        : h(
            'table',
            { class: 'list silences' },
            h('thead', {}, h('tr', {}, ['', 'Matchers', 'Created by', 'Comment', 'Start', 'End', ''].map((t) => h('th', {}, t)))),
            h('tbody', {}, shown.map(row)),
          ),
    );
  }

  return {
    render,
    /** Opened with `{matchers}` to prefill the form, or `{highlight}` to point at a silence. */
    shown(args = {}) {
      if (args.matchers) {
        f.matchers.value = args.matchers;
        f.start.value = toLocalInput();
        updatePreview();
        f.comment.focus();
      }
      if (args.highlight) {
        highlight = args.highlight;
        showExpired.checked = true;
        render(true);
        listEl.querySelector(`[data-silence="${CSS.escape(highlight)}"]`)?.scrollIntoView({ block: 'center' });
      }
    },
  };
}
