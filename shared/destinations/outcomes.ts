import type { PostOutcome } from '../delivery/post-json.js';
import { connectionStringSecrets } from './connection-string.js';

/*
 * A broker's answer as the engine's outcome (the shape an HTTP exchange has), so the retry policy,
 * delivery health and listEvents treat every destination alike. Statuses follow the brokers' own REST
 * APIs: 201 for a message taken, 401/403 for credentials, 404 for a missing entity.
 */

const REASONS: Readonly<Record<number, string>> = {
  201: 'Created',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Text from a broker or an SDK (an error message), with the connection string's secrets cut out. */
export function scrub(text: string, connectionString: string | undefined): string {
  let out = text;
  for (const secret of connectionStringSecrets(connectionString)) out = out.replaceAll(secret, '***');
  return out;
}

/** A broker's answer: `code` (its error code, if any) and its message go into the reason and the body. */
export function answer(
  status: number,
  durationMs: number,
  detail: { readonly code?: string | undefined; readonly message?: string; readonly headers?: Readonly<Record<string, string>> },
  maxBytes: number,
): PostOutcome {
  const message = detail.message ?? '';
  const firstLine = message.split('\n')[0]!.trim().slice(0, 300);
  const reason = detail.code ? `${detail.code}${firstLine ? `: ${firstLine}` : ''}` : (REASONS[status] ?? '');
  const bytes = Buffer.from(message, 'utf8');
  return {
    kind: 'response',
    status,
    statusText: reason,
    headers: { ...detail.headers },
    body: bytes.subarray(0, maxBytes).toString('utf8'),
    truncated: bytes.length > maxBytes,
    durationMs,
  };
}

export const failed = (reason: 'timeout' | 'network' | 'refused', message: string, durationMs: number): PostOutcome => ({
  kind: 'error',
  reason,
  message,
  durationMs,
});

/** A stopwatch for one send. */
export function stopwatch(): () => number {
  const started = performance.now();
  return () => Math.round(performance.now() - started);
}

/** A send that our deadline (AbortSignal.timeout) or the SDK's own timeout ended. */
export function isTimeout(err: unknown): boolean {
  const name = err instanceof Error ? err.name : '';
  return name === 'AbortError' || name === 'TimeoutError';
}

/** Node's network error codes, worded as the poster words them. */
export function networkMessage(code: string | undefined, fallback: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
      return 'host name not found';
    case 'ECONNRESET':
      return 'connection reset by the broker';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EAI_AGAIN':
      return 'DNS lookup failed temporarily';
    default:
      return code ? `network error (${code})` : fallback;
  }
}
