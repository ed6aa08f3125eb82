import { ApiFailure } from './api-failure.js';
import { session, type Credential } from './session.js';

// The API lives beside the page: <prefix>/portal -> <prefix>.
const apiBase = location.pathname.replace(/\/portal\/?$/i, '');

/** The path of the session's registry's webhooks, or of one of them and its operations. */
export function webhooksPath(...rest: string[]): string {
  return `/registries/${encodeURIComponent(session().registry)}/webhooks${rest.map((r) => `/${encodeURIComponent(r)}`).join('')}`;
}

/** A key goes as the Functions host reads it; an Entra ID token as ARM reads it (issue 19). */
function authorization(credential: Credential | undefined): Record<string, string> {
  if (credential?.kind === 'token') return { authorization: `Bearer ${credential.secret}` };
  return credential ? { 'x-functions-key': credential.secret } : {};
}

/** Calls the management API with the session's key or token; throws an `ApiFailure` with the service's message. */
export async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json', ...authorization(session().credential) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    // `nextLink`s are absolute.
    res = await fetch(path.startsWith('http') ? path : `${apiBase}${path}`, {
      method,
      headers,
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiFailure('The service cannot be reached. Is it running?', 0, undefined);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as { error?: { message?: string; target?: string } } | undefined)?.error;
    const message =
      error?.message ?? (res.status === 404 ? 'This service does not offer that operation (404).' : `The service answered ${res.status}.`);
    throw new ApiFailure(message, res.status, error?.target, res.status === 404 && !error);
  }
  return json;
}
