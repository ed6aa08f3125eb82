import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * The benchmark's webhook endpoint, in its own process (its own core) so it does not compete with the
 * host being measured. It answers 200 at once and records when each event id arrived.
 */
const now = () => performance.timeOrigin + performance.now();
let arrivals: [string, number][] = [];

const server = createServer((req, res) => {
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
    arrivals.push([id, t]);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send?.({ type: 'count', count: arrivals.length });
  if (m.type === 'take') {
    process.send?.({ type: 'take', arrivals });
    arrivals = [];
  }
  if (m.type === 'stop') server.close(() => process.exit(0));
});
