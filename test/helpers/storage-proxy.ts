import { Agent, createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_ACCOUNT, DEV_KEY, type Azurite } from '../../local/azurite.js';
import { closeServer } from './ports.js';

/**
 * A fault injector in front of a real storage endpoint (Azurite's tables): forwards every request, unless
 * `intercept` says to cut one off, in which case the request never reaches storage (it is as if the
 * worker died just before sending it) and the connection is destroyed; or unless `loseAnswer` says to lose
 * its answer: storage does the request, and the connection is destroyed instead of answering (the network
 * failed after the commit, so the client retries what was done).
 */
export interface StorageProxy {
  readonly endpoint: string;
  intercept: ((req: IncomingMessage, body: string) => boolean) | undefined;
  loseAnswer: ((req: IncomingMessage, body: string) => boolean) | undefined;
  close(): Promise<void>;
}

export async function startStorageProxy(target: string): Promise<StorageProxy> {
  const upstream = new URL(target);
  const proxy: Pick<StorageProxy, 'intercept' | 'loseAnswer'> = { intercept: undefined, loseAnswer: undefined };
  // No keep-alive upstream: a socket Azurite closed must never be reused for a forwarded request.
  const agent = new Agent({ keepAlive: false });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (proxy.intercept?.(req, body.toString('utf8'))) {
        req.socket.destroy();
        return;
      }
      const lose = proxy.loseAnswer?.(req, body.toString('utf8')) ?? false;
      const out = request(
        { agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          if (lose) {
            up.resume();
            up.on('end', () => req.socket.destroy());
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    endpoint: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () => closeServer(server),
  });
}

/** A connection string to this Azurite with its queue or table endpoint replaced (by a proxy's). */
export function connectionStringThrough(
  azurite: Pick<Azurite, 'queueEndpoint' | 'tableEndpoint'>,
  through: { readonly queue?: string; readonly table?: string },
): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
    `QueueEndpoint=${through.queue ?? azurite.queueEndpoint};TableEndpoint=${through.table ?? azurite.tableEndpoint};`
  );
}
