// Label matchers in Alertmanager's syntax: `{site="T2_CH_CSCS", instance=~"se.*"}`, braces
// optional, values quoted or bare. Parsed here to build silences and the listing's `filter`
// parameters; the server validates them again.

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPS = ['=~', '!~', '!=', '='];

/** A parse failure with what went wrong. */
export class MatcherError extends Error {}

/** Parses a list of matchers: `[{name, value, isRegex, isEqual}]`. Empty text is an empty list. */
export function parseMatchers(text) {
  let src = String(text).trim();
  if (src.startsWith('{')) {
    if (!src.endsWith('}')) throw new MatcherError('missing closing "}"');
    src = src.slice(1, -1).trim();
  }
  const out = [];
  let i = 0;
  while (i < src.length) {
    i = skip(src, i);
    if (i >= src.length) break;
    const name = NAME.exec(src.slice(i))?.[0] ?? readQuoted(src, i)?.text;
    if (!name) throw new MatcherError(`expected a label name at "${src.slice(i, i + 20)}"`);
    i += src[i] === '"' ? readQuoted(src, i).length : name.length;
    i = skip(src, i);
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new MatcherError(`expected =, !=, =~ or !~ after "${name}"`);
    i = skip(src, i + op.length);
    let value;
    if (src[i] === '"') {
      const q = readQuoted(src, i);
      if (!q) throw new MatcherError(`unterminated quoted value for "${name}"`);
      value = q.text;
      i += q.length;
    } else {
      const end = src.indexOf(',', i);
      value = src.slice(i, end < 0 ? src.length : end).trim();
      i = end < 0 ? src.length : end;
    }
    out.push({ name, value, isRegex: op.includes('~'), isEqual: !op.startsWith('!') });
    i = skip(src, i);
    if (i < src.length) {
      if (src[i] !== ',') throw new MatcherError(`expected "," after the matcher on "${name}"`);
      i += 1;
    }
  }
  return out;
}

function skip(src, i) {
  while (i < src.length && /\s/.test(src[i])) i += 1;
  return i;
}

/** A double-quoted string at `i` with Go's escapes: `{text, length}`, or null if unterminated. */
function readQuoted(src, i) {
  if (src[i] !== '"') return null;
  let text = '';
  for (let j = i + 1; j < src.length; j += 1) {
    const c = src[j];
    if (c === '\\' && j + 1 < src.length) {
      const n = src[j + 1];
      text += n === 'n' ? '\n' : n === 't' ? '\t' : n;
      j += 1;
    } else if (c === '"') {
      return { text, length: j - i + 1 };
    } else {
      text += c;
    }
  }
  return null;
}

/** One matcher as text, value quoted: `site=~"T2_.*"`. */
export function formatMatcher(m) {
  const op = m.isRegex ? (m.isEqual === false ? '!~' : '=~') : m.isEqual === false ? '!=' : '=';
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

/** A list of matchers as text. */
export function formatMatchers(ms) {
  return ms.map(formatMatcher).join(', ');
}
