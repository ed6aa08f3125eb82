import { z } from 'zod';

/*
 * Pull credentials for reading image indexes back from registries (REGISTRY_CREDENTIALS), keyed by the
 * registry's host as events name it (`myregistry.azurecr.io`, `harbor.example.com:8443`). A value is
 * either basic credentials (sent to the registry's Basic challenge, or to its Bearer token realm) or
 * `"managedIdentity"`: the app's managed identity, exchanged for an ACR refresh token at
 * `https://{host}/oauth2/exchange` (ACR's AAD token exchange). Registries not listed are read anonymously.
 * The values are secrets: never logged, never returned.
 */
export type RegistryCredential =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'managedIdentity'; readonly clientId: string | undefined };

const entry = z.union([
  z.object({ username: z.string().min(1).max(256), password: z.string().min(1).max(4096) }).strict(),
  z.literal('managedIdentity'),
  z.object({ managedIdentity: z.object({ clientId: z.string().max(64).optional() }).strict() }).strict(),
]);

const hostKey = z
  .string()
  .regex(/^[a-z0-9.-]+(:\d{1,5})?$/i, 'each key must be a registry host such as myregistry.azurecr.io or registry.example.com:5000');

const schema = z.record(hostKey, entry);

/** Parses REGISTRY_CREDENTIALS (JSON). Problems name the setting and the host, never a secret. */
export function parseRegistryCredentials(
  raw: string | undefined,
  setting: string,
): { readonly credentials: ReadonlyMap<string, RegistryCredential> } | { readonly problem: string } {
  if (raw === undefined) return { credentials: new Map() };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { problem: `${setting} must be JSON: {"<registry host>": {"username": "...", "password": "..."} | "managedIdentity"}` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path[0] !== undefined ? ` (${String(issue.path[0])})` : '';
    return {
      problem: `${setting}${where}: each value must be {"username", "password"}, "managedIdentity" or {"managedIdentity": {"clientId"}}`,
    };
  }
  const credentials = new Map<string, RegistryCredential>();
  for (const [host, value] of Object.entries(parsed.data)) {
    const cred: RegistryCredential =
      value === 'managedIdentity'
        ? { kind: 'managedIdentity', clientId: undefined }
        : 'managedIdentity' in value
          ? { kind: 'managedIdentity', clientId: value.managedIdentity.clientId }
          : { kind: 'basic', username: value.username, password: value.password };
    credentials.set(host.toLowerCase(), cred);
  }
  return { credentials };
}
