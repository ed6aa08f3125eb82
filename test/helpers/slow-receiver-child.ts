import { startSlowReceiver } from './slow-receiver.js';

/*
 * A slow receiver in a process of its own (forked by slow-receiver-process.ts), as a real endpoint is: its
 * 400 ms stays 400 ms however busy the service under test keeps its own event loop.
 */
const delayMs = Number(process.argv[2] ?? '400');
const rx = await startSlowReceiver(delayMs);
process.on('message', (m: { type: string }) => {
  if (m.type === 'take') process.send?.({ type: 'arrivals', arrivals: rx.arrivals, mostOpen: rx.mostOpen() });
  if (m.type === 'close') void rx.close().then(() => process.exit(0));
});
process.send?.({ type: 'ready', url: rx.url });
