/*
 * The registry and the credential, kept in this tab only (sessionStorage): the page holds no secret of its
 * own and sends the credential to this service alone. The credential is a management key or a pasted
 * Entra ID access token (issue 19), never both: saving one forgets the other.
 */
const REGISTRY = 'rw.registry';
const KEY = 'rw.key';
const TOKEN = 'rw.token';

/** How the page signs its calls: `x-functions-key: <key>` or `Authorization: Bearer <token>`. */
export interface Credential {
  readonly kind: 'key' | 'token';
  readonly secret: string;
}

export interface Session {
  readonly registry: string;
  readonly credential: Credential | undefined;
}

export function session(): Session {
  const key = sessionStorage.getItem(KEY);
  const token = sessionStorage.getItem(TOKEN);
  const credential: Credential | undefined = key ? { kind: 'key', secret: key } : token ? { kind: 'token', secret: token } : undefined;
  return { registry: sessionStorage.getItem(REGISTRY) ?? '', credential };
}

export function saveSession(registry: string, credential: Credential): void {
  sessionStorage.setItem(REGISTRY, registry);
  sessionStorage.removeItem(credential.kind === 'key' ? TOKEN : KEY);
  sessionStorage.setItem(credential.kind === 'key' ? KEY : TOKEN, credential.secret);
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(REGISTRY);
}
