/**
 * az's `key[=value]` lists (`--headers`, `--tags`): each item split on the first `=`, an item without one
 * is a key with an empty value, and empty items are skipped, so `--headers ''` is `{}` and clears.
 * Mirrors azure-cli's `validate_headers` / `validate_tags`.
 */
export function parseKeyValues(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq === -1) out[item] = '';
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
