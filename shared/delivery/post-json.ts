import http from 'node:http';
import dns from 'node:dns/promises';
import { Agent } from 'undici';
import type { LookupFunction } from 'node:net';
import { judgeAddress, literalHost, type TargetVerdict } from './target-policy.js';
import { boundedMemo } from '../bounded-memo.js';
import { makeOriginGate } from './origin-gate.js';

/** What one POST came to: a response (any status), no response at all, or (a delivery's) no connection in time. */
export type PostOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly statusText: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string;
      readonly truncated: boolean;
      /** From the request being on a socket (connect included) to the response read. */
      readonly durationMs: number;
      /** How long it waited for a connection to the origin before that. */
      readonly queuedMs?: number;
    }
  | {
      readonly kind: 'error';
      readonly reason: 'timeout' | 'refused' | 'network';
      readonly message: string;
      readonly durationMs: number;
      readonly queuedMs?: number;
    };

/**
 * Not sent: no connection to the origin was free by the delivery's `connectionWait` deadline (`deliver`
 * only; `post` waits until its timeout). Nothing reached the receiver.
 */
export interface Busy {
  readonly kind: 'busy';
  readonly queuedMs: number;
  /** How long a newcomer to the origin may expect to wait now, in ms. */
  readonly expectedWaitMs: number;
}

export interface PostRequest {
  /** POST unless set (reading an index from a registry is a GET). */
  readonly method?: 'POST' | 'GET';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The receiver's time: it starts once the origin gate lets the request through (connect included), not while it waits for a connection. */
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

/** A delivery's POST: `post`'s request plus its place and patience while it waits for a connection. */
export interface DeliveryPost extends PostRequest {
  /**
   * `priority`: lower goes first (its time of receipt); `deadline`: a `performance.now()` time. Past it, or
   * when it cannot expect a connection by then, the outcome is `busy`.
   */
  readonly connectionWait: { readonly priority: number; readonly deadline: number };
}

export interface PostOptions {
  /** Allow loopback and private targets (ALLOW_PRIVATE_TARGETS); metadata addresses stay refused. */
  readonly allowPrivate: boolean;
  /** Name resolution; defaults to the system resolver. Tests pass their own to map names to addresses. */
  readonly resolve?: (hostname: string) => Promise<readonly { address: string; family: number }[]>;
  /** Requests in flight to one origin at once (DELIVERY_CONNECTIONS_PER_ORIGIN); 64 unless set. */
  readonly connectionsPerOrigin?: number;
  /** Told how long each request waited for a connection, by origin (the queue-wait metric). */
  readonly onQueued?: (origin: string, seconds: number) => void;
}

/** A service URI as a request needs it: parsed, its origin and path, and the policy's verdict on a literal address. */
interface Target {
  readonly origin: string;
  readonly path: string;
  readonly verdict: TargetVerdict;
}

/** Raised when every address a name resolves to is refused by the target policy. */
class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
}

/**
 * A `lookup` for the sockets deliveries open: it resolves, drops the addresses the policy refuses and
 * connects to the first one left. The check is on the address actually connected to, so a name that
 * resolves (or rebinds) to 127.0.0.1 or a metadata address is refused.
 */
function guardedLookup(options: PostOptions): LookupFunction {
  const resolve = options.resolve ?? ((hostname: string) => dns.lookup(hostname, { all: true, verbatim: true }));
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const wanted = addresses.filter((a) => !lookupOptions.family || a.family === lookupOptions.family);
        const verdicts = wanted.map((a) => ({ a, v: judgeAddress(a.address, options.allowPrivate) }));
        const allowed = verdicts.filter((x) => x.v.allowed).map((x) => x.a);
        if (allowed.length === 0) {
          const first = verdicts.find((x) => !x.v.allowed)?.v;
          const reason = first && !first.allowed ? first.reason : 'no address';
          // The host name is part of the write-only service URI: the message names only the address.
          callback(new BlockedAddressError(`refused: the host resolves to ${reason}`), '', 0);
          return;
        }
        if (lookupOptions.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, allowed);
        else callback(null, allowed[0]!.address, allowed[0]!.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}

/**
 * Makes the POSTs deliveries and pings send (and the GETs that read an image index from a registry, under
 * the same policy): undici's dispatcher with keep-alive connections (a fan-out reuses connections per
 * endpoint), no redirects followed, at most `maxResponseBytes` of the response kept. At most
 * `connectionsPerOrigin` requests are in flight to one origin (origin-gate.ts); the others wait their
 * turn in order, and a request's deadline starts only once the gate lets it through: waiting for our own
 * connections never counts as the receiver being slow.
 */
export function makePoster(options: PostOptions) {
  const perOrigin = options.connectionsPerOrigin ?? 64;
  // undici's dispatcher, not node's http client: the same keep-alive connections (as many per origin as
  // may be open, so a fan-out's burst reuses them), at about half the CPU per request (issue 24). The gate
  // lets no more than that many requests reach it per origin, so none waits inside it.
  const agent = new Agent({
    connections: perOrigin,
    pipelining: 1,
    connect: { lookup: guardedLookup(options) },
  });
  const gate = makeOriginGate(perOrigin);
  // Each service URI parsed and its literal address judged once, not once per delivery (issue 24). The URL
  // is only read (by http.request) after this.
  const targetOf = boundedMemo(10_000, (uri): Target | undefined => {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return undefined;
    }
    const literal = literalHost(url);
    const verdict = literal ? judgeAddress(literal, options.allowPrivate) : { allowed: true as const };
    // The origin and path as strings once too: URL builds its `origin` afresh on every read.
    return { origin: url.origin, path: `${url.pathname}${url.search}`, verdict };
  });

  async function exchange(request: PostRequest, wait: DeliveryPost['connectionWait'] | undefined): Promise<PostOutcome | Busy> {
    const target = targetOf(request.url);
    if (!target) return { kind: 'error', reason: 'network', message: 'the service URI is not a valid URL', durationMs: 0 };
    const { origin, verdict } = target;
    if (!verdict.allowed) return { kind: 'error', reason: 'refused', message: `refused: ${verdict.reason}`, durationMs: 0 };
    const queued = performance.now();
    const entered = await gate.enter(
      origin,
      wait?.priority ?? Date.now(),
      wait?.deadline ?? queued + request.timeoutMs,
      wait !== undefined,
    );
    const queuedMs = entered ? entered.waitedMs : Math.round(performance.now() - queued);
    options.onQueued?.(origin, queuedMs / 1000);
    if (!entered) {
      if (wait) return { kind: 'busy', queuedMs, expectedWaitMs: gate.expectedWaitMs(origin) };
      const message = `no connection to the endpoint free within ${request.timeoutMs / 1000} s`;
      return { kind: 'error', reason: 'timeout', message, durationMs: 0, queuedMs };
    }
    try {
      return await send(target, request, queuedMs);
    } finally {
      entered.release();
    }
  }

  function send(target: Target, request: PostRequest, queuedMs: number): Promise<PostOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const method = request.method ?? 'POST';
    // Node's own checks, before undici's: a header node refuses is refused with node's code, as before.
    try {
      for (const name in request.headers) {
        http.validateHeaderName(name);
        http.validateHeaderValue(name, request.headers[name]!);
      }
    } catch (err) {
      // Trying again cannot help, so this is a refusal, not a network error. The code only: values are secrets.
      const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
      return Promise.resolve({
        kind: 'error',
        reason: 'refused',
        message: `the request could not be built (${code})`,
        durationMs: 0,
        queuedMs,
      });
    }
    return new Promise((resolve) => {
      let settled = false;
      let abort: ((err?: Error) => void) | undefined;
      let timedOut = false;
      const done = (outcome: PostOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      // The gate lets a request through only when a connection is free or may be opened, so the deadline
      // starts now: connect included, waiting for our own connections not.
      const timer = setTimeout(() => {
        // A busy event loop runs due timers before it reads sockets: let it read what has arrived first
        // (the check phase follows the poll phase), so our own lag is not taken for the receiver's.
        setImmediate(() => {
          if (settled) return;
          timedOut = true;
          done({
            kind: 'error',
            reason: 'timeout',
            message: `no response within ${request.timeoutMs / 1000} s`,
            durationMs: elapsed(),
            queuedMs,
          });
          abort?.();
        });
      }, request.timeoutMs);
      let status = 0;
      let statusText = '';
      let headers: Record<string, string> = {};
      const chunks: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      agent.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method,
          headers: request.headers,
          body: method === 'GET' ? null : request.body,
          // Our deadline above bounds the whole exchange; no redirect is followed (a dispatcher follows none).
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        {
          onConnect(abortRequest) {
            abort = abortRequest;
            if (timedOut) abortRequest();
          },
          onHeaders(statusCode, rawHeaders, _resume, text) {
            // 1xx answers are not the response.
            if (statusCode < 200) return true;
            status = statusCode;
            statusText = text;
            headers = headerMap(rawHeaders);
            return true;
          },
          onData(chunk) {
            if (kept < request.maxResponseBytes) {
              const slice = chunk.subarray(0, request.maxResponseBytes - kept);
              chunks.push(slice);
              kept += slice.length;
              if (slice.length < chunk.length) truncated = true;
            } else truncated = true;
            return true;
          },
          onComplete() {
            const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
            done({ kind: 'response', status, statusText, headers, body, truncated, durationMs: elapsed(), queuedMs });
          },
          onError(err) {
            if (status !== 0) {
              // The response began and then broke off: what arrived is the response, as node's client gave it.
              const body = Buffer.concat(chunks).toString('utf8');
              done({ kind: 'response', status, statusText, headers, body, truncated, durationMs: elapsed(), queuedMs });
              return;
            }
            const refused = err instanceof BlockedAddressError;
            done({
              kind: 'error',
              reason: refused ? 'refused' : 'network',
              message: refused ? err.message : describeNetworkError(err),
              durationMs: elapsed(),
              queuedMs,
            });
          },
        },
      );
    });
  }

  return {
    /** A request that waits for a connection up to its timeout (pings, index reads). */
    post: (r: PostRequest) => exchange(r, undefined) as Promise<PostOutcome>,
    /** A delivery: it waits for a connection only until its `connectionWait` deadline, then is `busy`. */
    deliver: (r: DeliveryPost) => exchange(r, r.connectionWait),
    close() {
      void agent.destroy();
    },
  };
}

export type Poster = ReturnType<typeof makePoster>;

/** A response's raw header lines as one map: names in lower case, repeated headers joined as node joins them. */
function headerMap(raw: readonly Buffer[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    const before = headers[name];
    headers[name] = before === undefined ? value : `${before}, ${value}`;
  }
  return headers;
}

function describeNetworkError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'UND_ERR_SOCKET':
      return 'connection reset by the endpoint';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
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
