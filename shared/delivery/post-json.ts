import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

/** What one POST came to: a response (any status), or no response at all. */
export type PostOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly statusText: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string;
      readonly truncated: boolean;
      readonly durationMs: number;
    }
  | { readonly kind: 'error'; readonly reason: 'timeout' | 'refused' | 'network'; readonly message: string; readonly durationMs: number };

export interface PostRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

export interface PostOptions {
  /** Resolves host names; may refuse an address by calling back with an error (SSRF checks live here). */
  readonly lookup?: LookupFunction | undefined;
}

/**
 * Makes the POSTs deliveries and pings send: node's own http client with keep-alive agents (a fan-out
 * reuses connections per endpoint), no redirects followed, one deadline for the whole exchange, and at
 * most `maxResponseBytes` of the response kept.
 */
export function makePoster(options: PostOptions = {}) {
  const agentOptions = {
    keepAlive: true,
    maxSockets: 64,
    maxFreeSockets: 16,
    scheduling: 'lifo' as const,
    ...(options.lookup ? { lookup: options.lookup } : {}),
  };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

  function post(request: PostRequest): Promise<PostOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise((resolve) => {
      let settled = false;
      const done = (outcome: PostOutcome) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          resolve(outcome);
        }
      };
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        done({ kind: 'error', reason: 'network', message: 'the service URI is not a valid URL', durationMs: 0 });
        return;
      }
      const isHttps = url.protocol === 'https:';
      const body = Buffer.from(request.body, 'utf8');
      const req = (isHttps ? https : http).request(url, {
        method: 'POST',
        agent: isHttps ? agents.https : agents.http,
        headers: { ...request.headers, 'content-length': String(body.length) },
      });
      const timer = setTimeout(() => {
        req.destroy();
        done({ kind: 'error', reason: 'timeout', message: `no response within ${request.timeoutMs / 1000} s`, durationMs: elapsed() });
      }, request.timeoutMs);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          if (kept < request.maxResponseBytes) {
            const slice = chunk.subarray(0, request.maxResponseBytes - kept);
            chunks.push(slice);
            kept += slice.length;
            if (slice.length < chunk.length) truncated = true;
          } else truncated = true;
        });
        const finish = () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          done({
            kind: 'response',
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers,
            body: Buffer.concat(chunks).toString('utf8'),
            truncated,
            durationMs: elapsed(),
          });
        };
        res.on('end', finish);
        res.on('error', finish);
        res.on('aborted', finish);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const refused = err.code === 'EADDRNOTAVAIL_BLOCKED' || err.name === 'BlockedAddressError';
        done({
          kind: 'error',
          reason: refused ? 'refused' : 'network',
          message: refused ? err.message : describeNetworkError(err),
          durationMs: elapsed(),
        });
      });
      req.end(body);
    });
  }

  return {
    post,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

export type Poster = ReturnType<typeof makePoster>;

function describeNetworkError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
      return 'host name not found';
    case 'ECONNRESET':
      return 'connection reset by the endpoint';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EAI_AGAIN':
      return 'DNS lookup failed temporarily';
    default:
      return err.code ? `network error (${err.code})` : `network error: ${err.message}`;
  }
}
