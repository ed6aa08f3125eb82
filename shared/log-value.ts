/*
 * Values from outside (ids, names, URIs, error messages that may quote them) go into log lines only
 * through `logValue`: control characters, the Unicode line and paragraph separators and '\' are written
 * as escapes, so a value can never start a new line or pass for another entry, and a long value is cut.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\\]/g;

/** `value` as text that is safe inside one log line: escaped and at most `max` characters (plus a note). */
export function logValue(value: unknown, max = 256): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > max ? text.slice(0, max) : text;
  const escaped = cut.replace(UNSAFE, (c) => (c === '\\' ? '\\\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return text.length > max ? `${escaped}…(${text.length} chars)` : escaped;
}

/** An error for a log line: its name and message escaped as values, its stack frames (our code) as they are. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return logValue(err, 2000);
  const header = `${err.name}: ${err.message}`;
  const stack = err.stack ?? header;
  const frames = stack.startsWith(header) ? stack.slice(header.length) : '';
  return `${logValue(header, 2000)}${frames}`;
}
