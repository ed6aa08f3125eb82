/** Custom headers typed one per line as `key: value`; a string is the problem with the first bad line. */
export function parseHeaders(raw: string): Record<string, string> | string {
  const headers: Record<string, string> = {};
  const lines = raw.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return `Line ${i + 1}: write each header as key: value.`;
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}
