import { createServer, STATUS_CODES, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import functions from '@azure/functions';
import { makeInvocations, type HostLogger } from './invocation-context.js';
export type { HostLogger } from './invocation-context.js';
import type { HttpHandler } from '../shared/handler-types.js';
import type { FunctionDeclaration } from '../shared/runtime/declaration.js';
import type { Services } from '../shared/runtime/services.js';
import { bindHttp } from '../shared/runtime/bind.js';
import { compileRoute, type RouteTemplate } from './route-template.js';
import type { HostSettings } from './host-json.js';
import { startQueueRunner } from './queue/queue-runner.js';
import { startTimerRunner } from './timer-runner.js';
import { describeError } from '../shared/log-value.js';
import { errorResponse } from '../shared/errors.js';

export interface LocalHostOptions {
  readonly declarations: readonly FunctionDeclaration[];
  readonly services: Services;
  readonly settings: HostSettings;
  readonly host?: string;
  readonly port?: number;
  readonly log?: HostLogger;
  /** Run the queue-triggered functions too (default true). */
  readonly runQueues?: boolean;
  /** Queue lease while a function runs (seconds); see queue-runner.ts. */
  readonly queueLeaseSeconds?: number;
  /**
   * Runs after a request that may have written (any method but GET, HEAD, OPTIONS) and before its
   * answer: the embedded storage's save, so a 201 or 200 given survives a `kill -9` (boot.ts).
   */
  readonly beforeAnswer?: (routeName: string) => Promise<void>;
  /**
   * Serve https with this certificate and key (PEM) instead of http: the ARM SDK's bearer-token policy
   * refuses to send a token over plain http (issue 19).
   */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer } | undefined;
}

export interface LocalHost {
  /** Base URL including the route prefix, e.g. `http://127.0.0.1:7071/api` (`https://` with `tls`). */
  readonly url: string;
  /** Log calls on an invocation's context after its handler settled (invocation-context.ts): tests fail on any. */
  readonly lateLogs: readonly string[];
  close(): Promise<void>;
}

interface BoundRoute {
  readonly name: string;
  readonly template: RouteTemplate;
  readonly methods: ReadonlySet<string>;
  readonly handler: HttpHandler;
}

// @azure/functions is CommonJS and Node's ESM loader does not see these classes as named exports.
const { HttpRequest, HttpResponse } = functions;

/** The Functions host's request size limit (`maxRequestLength`, 100 MB). */
const HOST_MAX_REQUEST_BYTES = 104_857_600;

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= HOST_MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > HOST_MAX_REQUEST_BYTES ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The URL of a request, or undefined when its Host header (or an absolute request target) is no valid
 * authority: `Host: exa mple`, `[::1`, `a@b:c:d`. The Functions host answers those with 400, not 500.
 */
function requestUrl(req: IncomingMessage, scheme: 'http' | 'https'): URL | undefined {
  try {
    const url = new URL(req.url ?? '/', `${scheme}://${req.headers.host ?? '127.0.0.1'}`);
    return url.username || url.password ? undefined : url;
  } catch {
    return undefined;
  }
}

async function writeResponse(res: ServerResponse, response: functions.HttpResponse): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  res.end(body);
}

/**
 * A small stand-in for the Functions host's HTTP side: route templates under host.json's route prefix,
 * method matching, the same `HttpRequest`/`InvocationContext` objects and the same bound handlers Azure
 * runs. Like the real host, an unknown route or method is a bare 404. Queue triggers are run by the
 * queue runner (`queue-runner.ts`), started and stopped with the host.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const routes: BoundRoute[] = [];
  for (const decl of options.declarations) {
    if (decl.kind !== 'http') continue;
    const handler = bindHttp(decl, () => Promise.resolve(options.services));
    for (const { name, route } of decl.routes) {
      routes.push({ name, template: compileRoute(route), methods: new Set(decl.methods), handler });
    }
  }
  routes.sort((a, b) => b.template.precedence - a.template.precedence);
  const prefix = options.settings.routePrefix ? `/${options.settings.routePrefix}` : '';
  const scheme = options.tls ? 'https' : 'http';
  const invocations = makeInvocations(options.log);

  const listener: RequestListener = (req, res) => {
    void (async () => {
      const url = requestUrl(req, scheme);
      if (!url) {
        req.resume();
        await writeResponse(
          res,
          new HttpResponse(
            errorResponse('InvalidParameter', 'The Host header or the request target is not a valid URL authority and path.', 'Host'),
          ),
        );
        return;
      }
      const method = (req.method ?? 'GET').toUpperCase();
      const path = url.pathname;
      if (prefix && !(path.toLowerCase() === prefix || path.toLowerCase().startsWith(`${prefix}/`))) {
        res.writeHead(404).end();
        return;
      }
      const rest = path.slice(prefix.length);
      let matched: { route: BoundRoute; params: Record<string, string> } | undefined;
      for (const route of routes) {
        if (!route.methods.has(method)) continue;
        const params = route.template.match(rest);
        if (params) {
          matched = { route, params };
          break;
        }
      }
      if (!matched) {
        req.resume();
        res.writeHead(404).end();
        return;
      }
      const body = await readBody(req);
      if (body === 'too-large') {
        res.writeHead(413).end();
        return;
      }
      const request = new HttpRequest({
        method,
        url: url.toString(),
        headers: headerRecord(req),
        query: Object.fromEntries(url.searchParams),
        params: matched.params,
        ...(body.length > 0 ? { body: { bytes: body } } : {}),
      });
      const { handler } = matched.route;
      const result = await invocations.run(matched.route.name, (context) => handler(request, context));
      if (options.beforeAnswer && !['GET', 'HEAD', 'OPTIONS'].includes(method)) await options.beforeAnswer(matched.route.name);
      await writeResponse(res, new HttpResponse(result));
    })().catch((err: unknown) => {
      options.log?.('error', 'local-host', `request failed: ${describeError(err)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
  const server: Server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createServer(listener);
  server.keepAliveTimeout = 65_000;
  // Requests node's parser refuses (bad framing, headers too large) get ACR's error shape too.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const answer =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? errorResponse('RequestHeaderFieldsTooLarge', 'The request line and headers are larger than the host accepts (16 KiB).')
        : errorResponse('InvalidRequestContent', 'The request is not well-formed HTTP/1.1.');
    const body = JSON.stringify(answer.jsonBody);
    const status = answer.status ?? 400;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nconnection: close\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 7071, options.host ?? '127.0.0.1', () => resolve());
  });
  const runner =
    options.runQueues === false
      ? undefined
      : startQueueRunner({
          declarations: options.declarations,
          services: options.services,
          settings: options.settings,
          log: options.log,
          invocations,
          leaseSeconds: options.queueLeaseSeconds,
        });
  const timers =
    options.runQueues === false
      ? undefined
      : startTimerRunner({ declarations: options.declarations, services: options.services, log: options.log, invocations });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${scheme}://${hostPart}:${address.port}${prefix}`,
    lateLogs: invocations.lateLogs,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      timers?.stop();
      await runner?.stop();
    },
  };
}
