/*
 * The registry and management key, kept in this tab only (sessionStorage): the page holds no secret of its
 * own and sends the key to this service alone.
 */
const REGISTRY = 'rw.registry';
const KEY = 'rw.key';

export interface Session {
  readonly registry: string;
  readonly key: string;
}

export function session(): Session {
  return { registry: sessionStorage.getItem(REGISTRY) ?? '', key: sessionStorage.getItem(KEY) ?? '' };
}

export function saveSession(registry: string, key: string): void {
  sessionStorage.setItem(REGISTRY, registry);
  sessionStorage.setItem(KEY, key);
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(REGISTRY);
}
