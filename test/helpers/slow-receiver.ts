import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './ports.js';

/** One request as a slow receiver saw it. */
export interface Arrival {
  readonly path: string;
  /** The `webhook-id` header: one delivery, the same across its attempts. */
  readonly id: string;
  /** The `x-n` header, for tests that number their own requests. */
  readonly n: string;
  readonly body: string;
  /** When it arrived (epoch ms). */
  readonly at: number;
}

export interface SlowReceiver {
  readonly url: string;
  readonly arrivals: Arrival[];
  /** The most requests it had open at once. */
  mostOpen(): number;
  close(): Promise<void>;
}

/**
 * A receiver that is healthy but takes its time: every request is answered after `delayMs` (with
 * `answer`'s status and headers, 200 by default), and it notes each arrival and how many it had open at once.
 */
export async function startSlowReceiver(
  delayMs: number,
  answer: (arrival: Arrival, index: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 }),
): Promise<SlowReceiver> {
  const arrivals: Arrival[] = [];
  let open = 0;
  let mostOpen = 0;
  const server: Server = createServer((req, res) => {
    open++;
    mostOpen = Math.max(mostOpen, open);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const header = (name: string) => String(req.headers[name] ?? '');
      const arrival = {
        path: req.url ?? '',
        id: header('webhook-id'),
        n: header('x-n'),
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      };
      arrivals.push(arrival);
      const reply = answer(arrival, arrivals.length - 1);
      setTimeout(() => {
        open--;
        if (res.destroyed) return;
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        res.end('ok');
      }, delayMs);
    });
  });
  // Many concurrent connections from one client: the default backlog is plenty, keep-alive as a receiver would.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, arrivals, mostOpen: () => mostOpen, close: () => closeServer(server) };
}
