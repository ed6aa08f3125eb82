/*
 * Azure's connection strings: `Key=value;` pairs, keys case-insensitive, a value may hold '=' (base64
 * keys). Storage's (https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string)
 * and Service Bus / Event Hubs' (`Endpoint=sb://…;SharedAccessKeyName=…;SharedAccessKey=…`) share the syntax.
 */

/** The pairs, keys lowercased; a later duplicate wins, as in the SDKs. */
export function parseConnectionString(text: string): ReadonlyMap<string, string> {
  const pairs = new Map<string, string>();
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    pairs.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return pairs;
}

/** The secret parts of a connection string: cut from any text (an SDK's error message) before it is kept or logged. */
export function connectionStringSecrets(text: string | undefined): string[] {
  if (!text) return [];
  const pairs = parseConnectionString(text);
  return ['accountkey', 'sharedaccesskey', 'sharedaccesssignature'].flatMap((k) => {
    const value = pairs.get(k);
    return value && value.length >= 8 ? [value] : [];
  });
}
