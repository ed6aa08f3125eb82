import type { z } from 'zod';
import { CliError } from '../errors.js';
import { errorBodySchema } from './schemas.js';
import type { AuthHeaders } from './auth-headers.js';

export interface ApiClientOptions {
  /** Base URL including the route prefix, e.g. `http://127.0.0.1:7071/api`. */
  readonly endpoint: string;
  /** How each request authenticates: a key or an Entra ID token. */
  readonly auth: AuthHeaders;
}

interface ApiRequest {
  readonly method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  /** A path under the endpoint (`/registries/...`) or an absolute URL (a `nextLink`). */
  readonly path: string;
  readonly body?: unknown;
}

export interface ApiClient {
  /** Sends the request and parses the success body with `schema`. */
  request<T extends z.ZodType>(req: ApiRequest & { readonly schema: T }): Promise<z.infer<T>>;
  /** Sends the request, ignores the success body and returns the status. */
  send(req: ApiRequest): Promise<number>;
}

/** Thin fetch wrapper: the key or token, JSON in and out, ARM error bodies turned into `CliError`s. */
export function makeApiClient(options: ApiClientOptions): ApiClient {
  const base = options.endpoint.replace(/\/+$/, '');
  async function call(req: ApiRequest): Promise<{ res: Response; text: string; url: string }> {
    const url = /^https?:\/\//i.test(req.path) ? req.path : `${base}${req.path}`;
    const headers: Record<string, string> = { accept: 'application/json', ...(await options.auth(parseUrl(url, base))) };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        method: req.method,
        headers,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new CliError(
        `Cannot reach ${base} (${cause}). Is the service running (npm start)? Set --endpoint or REGISTRY_WEBHOOKS_ENDPOINT.`,
      );
    }
    const text = await res.text();
    if (!res.ok) throw httpError(res, text, req.method, url);
    return { res, text, url };
  }
  async function request<T extends z.ZodType>(req: ApiRequest & { readonly schema: T }): Promise<z.infer<T>> {
    const { text, url } = await call(req);
    let json: unknown;
    try {
      // An empty body parses as `undefined`, for operations whose schema allows none.
      json = text.trim() === '' ? undefined : JSON.parse(text);
    } catch {
      throw new CliError(`The service answered ${req.method} ${url} with a body that is not JSON.`);
    }
    const parsed = req.schema.safeParse(json);
    if (!parsed.success) {
      throw new CliError(`The service's answer to ${req.method} ${url} has an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`);
    }
    return parsed.data;
  }
  return { request, send: async (req) => (await call(req)).res.status };
}

function parseUrl(url: string, base: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new CliError(
      `The endpoint ${base} is not a URL: set --endpoint or REGISTRY_WEBHOOKS_ENDPOINT to one such as http://127.0.0.1:7071/api.`,
    );
  }
}

function httpError(res: Response, text: string, method: string, url: string): CliError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const parsed = errorBodySchema.safeParse(body);
  if (parsed.success) {
    const { code, message } = parsed.data.error;
    return new CliError(code ? `(${code}) ${message}` : message);
  }
  // The Functions host answers an unknown route with a bare 404: most likely a service older than the CLI.
  if (res.status === 404) {
    return new CliError(`The service has no ${method} ${new URL(url).pathname} (404). Is it older than this CLI?`);
  }
  return new CliError(`The service answered ${method} ${url} with ${res.status} ${res.statusText}.`);
}
