import type { Server } from 'node:http';
import { createServer } from 'node:net';

/** An address where connections are refused until the test itself listens there. */
export interface HeldPort {
  /** `127.0.0.2`: loopback, where nothing listens on `port`. */
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.2:<port>` */
  readonly url: string;
  release(): Promise<void>;
}

/**
 * A port that stays ours: we listen on 127.0.0.1:<port> (given by the system), which keeps every other
 * process from listening on that port on a wildcard address, and leave 127.0.0.2:<port> free. So a
 * connection there is refused for as long as the test wants, and the test can then listen there itself.
 * (A port that is bound, read and released can be taken by another process before it is used.)
 */
export async function holdPort(): Promise<HeldPort> {
  const guard = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    guard.once('error', reject);
    guard.listen(0, '127.0.0.1', resolve);
  });
  const address = guard.address();
  if (address === null || typeof address === 'string') throw new Error('the guard listener has no port');
  const host = '127.0.0.2';
  return {
    host,
    port: address.port,
    url: `http://${host}:${address.port}`,
    release: () => new Promise<void>((resolve) => guard.close(() => resolve())),
  };
}

/** Stops a test server: no new connections, the open ones (keep-alive included) cut, resolved once closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
