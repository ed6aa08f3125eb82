import { z } from 'zod';

/*
 * A header map as a row's compact `record` keeps it (compact-record.ts): one string of `name:value` lines
 * rather than a JSON object, because that JSON is escaped again inside a request's JSON and an object's
 * four quotes per header cost eight bytes there, a line's separator three (`\\n`). Only a map that reads
 * back the same, entries in the same order, is kept so (no name with ':' or a line break, no value with a
 * line break: what HTTP allows anyway); any other stays an object.
 */

/** A header map as kept: lines, or the map itself. */
export const storedLines = z.union([z.string(), z.record(z.string(), z.string())]);
type StoredLines = z.infer<typeof storedLines>;

/** The map a row keeps as `stored`. */
export function headersOfLines(stored: StoredLines): Record<string, string> {
  if (typeof stored !== 'string') return stored;
  // fromEntries: a name like `__proto__` is a header like any other.
  return Object.fromEntries(
    stored.split('\n').map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1)];
    }),
  );
}

/** How a row keeps `headers` (not empty: a row leaves an empty map out). */
export function linesOf(headers: Readonly<Record<string, string>>): StoredLines {
  // One pass, no entries arrays: once per delivery row (issue 24).
  let lines: string | undefined;
  for (const name in headers) {
    const value = headers[name]!;
    if (name.includes(':') || name.includes('\n') || value.includes('\n')) return headers;
    lines = lines === undefined ? `${name}:${value}` : `${lines}\n${name}:${value}`;
  }
  return lines ?? headers;
}
