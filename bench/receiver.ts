import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Arrival, ReceiverReply } from './lib/receiver-process.js';

/*
 * The benchmarks' webhook endpoint, in its own process (its own core) so it does not compete with the
 * host being measured (forked by lib/receiver-process.ts). It answers 200, at once or after the delay
 * given as its argument (a slow but healthy receiver), records when each request arrived with its event
 * id, `webhook-id` and path, and counts the requests it holds at once and those whose sender gave up.
 */
const delayMs = Number(process.argv[2] ?? 0);
const now = () => performance.timeOrigin + performance.now();
const reply = (m: ReceiverReply) => process.send?.(m);
let arrivals: Arrival[] = [];
let inFlight = 0;
let maxInFlight = 0;
let aborted = 0;

const server = createServer((req, res) => {
  maxInFlight = Math.max(maxInFlight, ++inFlight);
  res.once('close', () => {
    inFlight--;
    if (!res.writableFinished) aborted++;
  });
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const t = now();
    let id = '';
    try {
      const parsed = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown }).id;
      id = typeof parsed === 'string' ? parsed : '';
    } catch {
      // the POST-loop baseline sends arbitrary JSON
    }
    const webhookId = req.headers['webhook-id'];
    arrivals.push([id, t, typeof webhookId === 'string' ? webhookId : '', req.url ?? '']);
    const answer = () => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  reply({ type: 'ready', port: (server.address() as AddressInfo).port });
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'count') reply({ type: 'count', count: arrivals.length, inFlight, maxInFlight, aborted });
  if (m.type === 'take') {
    reply({ type: 'take', arrivals });
    arrivals = [];
  }
  if (m.type === 'stop') server.close(() => process.exit(0));
});
// The benchmark ended without stopping it (it failed): do not outlive it.
process.on('disconnect', () => process.exit(0));
