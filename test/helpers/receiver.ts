import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './ports.js';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

interface ReceiverAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer only once this settles: the test decides when, after it has seen what it wanted to see. */
  hold?: Promise<unknown>;
}

/**
 * A webhook endpoint for tests: a real HTTP server on 127.0.0.1 that records every request and answers
 * what the test says (per path, or with a queue of answers to play in order, then the default).
 */
export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  answer: ReceiverAnswer;
  /** Answers for the next requests, in order, before falling back to `answer`. */
  readonly script: ReceiverAnswer[];
  waitFor(count: number, timeoutMs?: number, path?: string): Promise<ReceivedRequest[]>;
  forPath(path: string): ReceivedRequest[];
  close(): Promise<void>;
  readonly server: Server;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const receiver = {
    answer: { status: 200, body: 'ok' } as ReceiverAnswer,
    script: [] as ReceiverAnswer[],
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      for (const w of waiters) w();
      const a = receiver.script.shift() ?? receiver.answer;
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers });
        res.end(a.body ?? '');
      };
      if (a.hold) void a.hold.finally(reply);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const forPath = (path: string) => requests.filter((r) => r.path === path);
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    requests,
    server,
    forPath,
    waitFor(count: number, timeoutMs = 10_000, path?: string) {
      const list = () => (path ? forPath(path) : requests);
      return new Promise<ReceivedRequest[]>((resolve, reject) => {
        const check = () => {
          if (list().length >= count) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(list());
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} requests${path ? ` to ${path}` : ''} within ${timeoutMs} ms, got ${list().length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => closeServer(server),
  });
}

/** Polls until `fn` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what: string | (() => string) = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}${last instanceof Error ? `: ${last.message}` : ''}`);
}
