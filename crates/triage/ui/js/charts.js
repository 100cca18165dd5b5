// Charts drawn as inline SVG (no library): stacked bars of counts per day and horizontal
// bars of ranked values. Colours come from the stylesheet's `series-N` classes, labels are
// text nodes, and every bar has a <title> tooltip.

import { h, s } from './dom.js';

const SERIES_COLOURS = 10;

/** The colour class of the n-th series. */
export function seriesClass(n) {
  return `series-${n % SERIES_COLOURS}`;
}

/**
 * Stacked bars: `rows` are `{day, key, alerts}`; the `maxKeys - 1` largest keys get their own
 * colour, the rest are summed as "other".
 */
export function stackedBars(rows, { maxKeys = 8, height = 180 } = {}) {
  const days = [...new Set(rows.map((r) => r.day))].sort();
  if (days.length === 0) return h('p', { class: 'muted' }, 'No data in this range.');
  const totals = new Map();
  for (const r of rows) totals.set(r.key, (totals.get(r.key) ?? 0) + r.alerts);
  let keys = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a) || String(a).localeCompare(String(b)));
  const folded = keys.length > maxKeys;
  if (folded) keys = keys.slice(0, maxKeys - 1);
  const legendKeys = folded ? [...keys, 'other'] : keys;
  const at = new Map(days.map((d) => [d, new Map()]));
  for (const r of rows) {
    const k = keys.includes(r.key) ? r.key : 'other';
    const day = at.get(r.day);
    day.set(k, (day.get(k) ?? 0) + r.alerts);
  }
  const max = Math.max(1, ...days.map((d) => [...at.get(d).values()].reduce((a, b) => a + b, 0)));
  const left = 36;
  const bottom = 22;
  const slot = Math.max(10, Math.min(48, 640 / days.length));
  const width = left + slot * days.length + 8;
  const scale = (v) => (v / max) * (height - bottom - 8);
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' });
  svg.append(axis(left, height - bottom, width, max, scale));
  days.forEach((day, i) => {
    let y = height - bottom;
    const x = left + i * slot + 2;
    legendKeys.forEach((k, n) => {
      const v = at.get(day).get(k) ?? 0;
      if (!v) return;
      const bh = scale(v);
      y -= bh;
      svg.append(
        s('rect', { x, y, width: slot - 4, height: Math.max(bh, 0.5), class: seriesClass(n) }, s('title', {}, `${day} · ${k}: ${v}`)),
      );
    });
    if (days.length <= 16 || i % Math.ceil(days.length / 16) === 0) {
      svg.append(s('text', { x: x + (slot - 4) / 2, y: height - 6, class: 'tick', 'text-anchor': 'middle' }, day.slice(5)));
    }
  });
  return h('figure', { class: 'chart-box' }, svg, legend(legendKeys));
}

function axis(left, base, width, max, scale) {
  const g = s('g', { class: 'axis' });
  g.append(s('line', { x1: left, y1: base, x2: width, y2: base }));
  for (const v of [0, Math.round(max / 2), max]) {
    const y = base - scale(v);
    g.append(s('text', { x: left - 4, y: y + 4, class: 'tick', 'text-anchor': 'end' }, String(v)));
    if (v) g.append(s('line', { x1: left, y1: y, x2: width, y2: y, class: 'grid' }));
  }
  return g;
}

function legend(keys) {
  return h(
    'figcaption',
    { class: 'legend' },
    keys.map((k, n) => h('span', { class: 'legend-item' }, h('span', { class: ['swatch', seriesClass(n)] }), String(k || '(none)'))),
  );
}

/**
 * Horizontal bars: `items` are `{label, value, text?}`; `text` (default the value) is written
 * after the bar.
 */
export function horizontalBars(items, { labelWidth = 220, barWidth = 300 } = {}) {
  if (items.length === 0) return h('p', { class: 'muted' }, 'No data in this range.');
  const row = 20;
  const max = Math.max(1e-9, ...items.map((i) => i.value));
  const width = labelWidth + barWidth + 190;
  const height = items.length * row + 4;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' });
  items.forEach((item, n) => {
    const y = n * row + 2;
    const w = Math.max(1, (item.value / max) * barWidth);
    const label = String(item.label);
    svg.append(
      s('text', { x: labelWidth - 6, y: y + 13, class: 'bar-label', 'text-anchor': 'end' }, label.length > 34 ? `${label.slice(0, 33)}…` : label, s('title', {}, label)),
      s('rect', { x: labelWidth, y, width: w, height: row - 5, class: seriesClass(0) }, s('title', {}, `${label}: ${item.text ?? item.value}`)),
      s('text', { x: labelWidth + w + 6, y: y + 13, class: 'bar-value' }, String(item.text ?? item.value)),
    );
  });
  return h('figure', { class: 'chart-box' }, svg);
}
