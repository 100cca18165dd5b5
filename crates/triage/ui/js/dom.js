// Builds DOM nodes from data. Text always goes in as text nodes or attributes, never as
// markup, so strings from the server cannot inject HTML; links are kept only when they are
// http(s) URLs.

/** An HTML element: `h('a', {class: 'x', href: u, on: {click: f}}, 'text', child, [more])`. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

/** An SVG element, with the same props and children as `h`. */
export function s(tag, props, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setProps(el, props);
  append(el, children);
  return el;
}

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'open']);

function setProps(el, props) {
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'on') {
      for (const [event, fn] of Object.entries(v)) el.addEventListener(event, fn);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'class') {
      el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    } else if (PROPERTIES.has(k)) {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** `url` when it is an absolute http(s) URL, else null (no `javascript:` or `data:`). */
export function safeUrl(url) {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** A link opening in a new tab, or plain text when the URL is not a safe one. */
export function link(url, text) {
  const href = safeUrl(url);
  const label = text ?? url;
  return href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, label) : h('span', {}, label);
}

/** A `name="value"` label chip; `onPick` (optional) makes it a button. */
export function chip(name, value, onPick) {
  const text = [h('span', { class: 'chip-name' }, name), '=', h('span', { class: 'chip-value' }, value)];
  if (!onPick) return h('span', { class: 'chip' }, text);
  return h(
    'button',
    { type: 'button', class: 'chip', title: `Filter on ${name}="${value}"`, on: { click: (e) => { e.stopPropagation(); onPick(name, value); } } },
    text,
  );
}

/** A small coloured word: state, severity, kind. */
export function badge(text, kind) {
  return h('span', { class: ['badge', kind && `badge-${kind}`] }, text);
}

/** A message box inside a view: `kind` is info, error or unavailable. */
export function notice(kind, ...children) {
  return h('div', { class: ['notice', `notice-${kind}`], role: kind === 'error' ? 'alert' : 'status' }, children);
}

/**
 * A button that asks once more before acting: the first click turns it into
 * "Confirm"/"Cancel" (marked `data-pending` meanwhile); `action` runs on "Confirm".
 */
export function confirmButton(label, confirmLabel, action) {
  const wrap = h('span', { class: 'confirm' });
  const first = h('button', { type: 'button', class: 'danger', on: { click: ask } }, label);
  wrap.append(first);
  function ask() {
    wrap.dataset.pending = 'true';
    const yes = h('button', { type: 'button', class: 'danger', on: { click: run } }, confirmLabel);
    const no = h('button', { type: 'button', on: { click: () => { delete wrap.dataset.pending; replace(wrap, first); } } }, 'Cancel');
    replace(wrap, yes, no);
  }
  async function run() {
    delete wrap.dataset.pending;
    replace(wrap, h('span', { class: 'muted' }, '…'));
    try {
      await action();
    } catch (e) {
      replace(wrap, first, h('span', { class: 'error-text' }, ` ${e.message}`));
    }
  }
  return wrap;
}

/** Whether a confirmation is waiting for an answer inside `el` (lists then wait to re-render). */
export function confirming(el) {
  return el.querySelector('[data-pending]') !== null;
}
