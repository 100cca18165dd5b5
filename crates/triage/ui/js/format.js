// Times and durations as operators read them: relative ages, local date-times with the UTC
// instant in a tooltip, and Go-style durations ("1h30m", "2d").

const UNITS = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };

/** Seconds in a duration like `90m`, `1h30m`, `2d` or `1w`; NaN when it is not one. */
export function parseDuration(text) {
  const t = String(text).trim().toLowerCase();
  if (!/^(\d+(\.\d+)?(w|d|h|m|s))+$/.test(t)) return NaN;
  let total = 0;
  for (const [, n, , unit] of t.matchAll(/(\d+(\.\d+)?)(w|d|h|m|s)/g)) total += Number(n) * UNITS[unit];
  return total;
}

/** A duration in seconds as `3d 4h`, `2h 5m`, `45s` (two largest units). */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  let rest = Math.max(0, Math.round(seconds));
  if (rest === 0) return '0s';
  const parts = [];
  for (const [unit, size] of Object.entries(UNITS)) {
    if (unit === 'w') continue;
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join(' ');
}

/** `5m ago` or `in 2h` from an RFC 3339 time. */
export function relative(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const d = (t - now) / 1000;
  return d >= 0 ? `in ${formatDuration(d)}` : `${formatDuration(-d)} ago`;
}

/** A local date-time, `2026-12-06 14:05`. */
export function localTime(iso) {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}`;
}

/** The value for an `<input type="datetime-local">` of a time (local). */
export function toLocalInput(iso) {
  const t = iso ? new Date(iso) : new Date();
  if (Number.isNaN(t.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}T${p(t.getHours())}:${p(t.getMinutes())}`;
}

/** The RFC 3339 instant of an `<input type="datetime-local">` value (local time). */
export function fromLocalInput(value) {
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? null : t.toISOString();
}

/** The browser's offset from UTC, `UTC+01:00`. */
export function utcOffset() {
  const m = -new Date().getTimezoneOffset();
  const p = (n) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  return `UTC${m >= 0 ? '+' : '-'}${p(m / 60)}:${p(m % 60)}`;
}

/** Whether an RFC 3339 time is the zero time Alertmanager uses for "none". */
export function isZeroTime(iso) {
  return !iso || iso.startsWith('0001-01-01');
}
