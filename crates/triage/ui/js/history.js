// The History view: a search over the store's recorded state changes, by alert fingerprint
// or for every alert, newest first.

import { h, replace, badge, notice, chip } from './dom.js';
import { getJson } from './api.js';
import { localTime } from './format.js';

/** The History view. */
export function historyView(root) {
  const form = root.querySelector('#history-form');
  const list = root.querySelector('#history-list');
  const fingerprint = form.elements.fingerprint;
  const limit = form.elements.limit;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    search();
  });

  async function search() {
    const fp = fingerprint.value.trim();
    let rows;
    try {
      rows = await getJson('api/v2/history', [['fingerprint', fp], ['limit', limit.value || '100']]);
    } catch (e) {
      replace(list, notice('error', `History search failed: ${e.message}`));
      return;
    }
    replace(
      list,
      rows.length === 0
        ? notice('info', fp ? `No recorded change for ${fp}.` : 'No recorded change.')
        : h(
            'table',
            { class: 'list history-rows' },
            h('thead', {}, h('tr', {}, ['At', 'State', 'Fingerprint', 'Labels'].map((t) => h('th', {}, t)))),
            h(
              'tbody',
              {},
              rows.map((r) =>
                h(
                  'tr',
                  {},
                  h('td', { title: r.at }, localTime(r.at)),
                  h('td', {}, badge(r.state, r.state === 'firing' ? 'active' : 'muted')),
                  h('td', {}, h('button', { type: 'button', class: 'linkish mono', on: { click: () => { fingerprint.value = r.fingerprint; search(); } } }, r.fingerprint)),
                  h('td', {}, Object.entries(r.labels ?? {}).map(([k, v]) => chip(k, v))),
                ),
              ),
            ),
          ),
    );
  }

  return {
    /** Opened with `{fingerprint}` to search one alert's history. */
    shown(args = {}) {
      if (args.fingerprint) fingerprint.value = args.fingerprint;
      if (args.fingerprint || !list.hasChildNodes()) search();
    },
  };
}
