import { Agent, request } from 'node:http';
import { connectionStringThrough, startStorageProxy } from '../../test/helpers/storage-proxy.js';
import { startBenchStorage, type BenchStorage } from './bench-storage.js';
import { processCpuMs } from './proc-cpu.js';

/*
 * Storage's CPU for a host's table requests, replayed alone (bench:cost's COST_REPLAY). Live, a round's
 * storage figure moves by a factor of two with the same writes: storage shares two cores with the host, the
 * receiver and the bare client. Here the requests a host made are recorded on their way to its Azurite (the
 * tests' forwarding proxy), then sent again, one at a time and in the order they came, to a fresh Azurite in
 * its own process, with nothing else running: the same work, measured without the company.
 *
 * What the replay changes, and why it does not change the work: an `If-Match` ETag becomes `*` (a fresh
 * Azurite's ETags differ, and a refused mark would fail its whole transaction), in a header or in a change
 * set's sub-request; the signature (SharedKey) still verifies, as it covers neither the body nor
 * Content-Length; a sub-request's absolute URL still names the recording proxy, which Azurite does not read.
 * The queue service is not replayed (its message ids and pop receipts are the live run's): the figure is the
 * table service's, which bench:cost's storage calls show to be ~80 % of the requests.
 */

interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** A host's table requests, recorded in order as they reach the proxy in front of its Azurite. */
export interface TableRecorder {
  /** The connection string to give the host: its tables through the recording proxy. */
  readonly connectionString: string;
  /** How many requests have come so far: a range of these marks one measured round. */
  mark(): number;
  readonly requests: readonly RecordedRequest[];
  close(): Promise<void>;
}

export async function recordTables(storage: Pick<BenchStorage, 'queueEndpoint' | 'tableEndpoint'>): Promise<TableRecorder> {
  const requests: RecordedRequest[] = [];
  const proxy = await startStorageProxy(storage.tableEndpoint);
  proxy.intercept = (req, body) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers }, body: Buffer.from(body, 'utf8') });
    return false;
  };
  return {
    connectionString: connectionStringThrough(storage, { table: proxy.endpoint }),
    mark: () => requests.length,
    requests,
    close: () => proxy.close(),
  };
}

/** The request as replayed: any ETag condition `*`. */
function replayed(r: RecordedRequest): { headers: Record<string, string | string[]>; body: Buffer } {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(r.headers)) {
    if (value === undefined || name === 'host' || name === 'content-length' || name === 'connection') continue;
    headers[name] = name === 'if-match' ? '*' : value;
  }
  const text = r.body.toString('utf8');
  const body = text.includes('If-Match: ') ? Buffer.from(text.replace(/^If-Match: .*$/gm, 'If-Match: *'), 'utf8') : r.body;
  headers['content-length'] = String(body.length);
  return { headers, body };
}

/**
 * Replays `requests` into a fresh Azurite in its own process, from the first (the tables' creation) on, and
 * returns its CPU (ms) over the `measured` ranges of request indexes [from, to) only, and how those requests
 * were answered, by status (the replay did what the live run did).
 */
export async function replayTables(
  requests: readonly RecordedRequest[],
  measured: readonly (readonly [number, number])[],
): Promise<{ cpuMs: number; statuses: ReadonlyMap<string, number> }> {
  const storage = await startBenchStorage('child');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(storage.tableEndpoint);
  const statuses = new Map<string, number>();
  const send = (r: RecordedRequest) =>
    new Promise<string>((resolve, reject) => {
      const { headers, body } = replayed(r);
      const out = request({ agent, host: hostname, port, method: r.method, path: r.path, headers }, (res) => {
        // A change set answers 202 with its outcome inside: a failed one names its status there.
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = res.statusCode === 202 ? Buffer.concat(chunks).toString('utf8') : '';
          const inner = /HTTP\/1\.1 ([45][0-9][0-9])/.exec(text)?.[1];
          resolve(inner ? `${inner} in a change set` : String(res.statusCode));
        });
      });
      out.on('error', reject);
      out.end(body);
    });
  try {
    let cpuMs = 0;
    let next = 0;
    for (const [from, to] of measured) {
      for (; next < from; next++) await send(requests[next]!);
      const answers: string[] = [];
      const before = processCpuMs(storage.pid);
      for (; next < to; next++) answers.push(await send(requests[next]!));
      cpuMs += processCpuMs(storage.pid) - before;
      for (const status of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    return { cpuMs, statuses };
  } finally {
    agent.destroy();
    await storage.close();
  }
}
