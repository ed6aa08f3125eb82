import http from 'node:http';

/*
 * The bench's own HTTP client: node's http with one keep-alive agent, so the driver's requests cost what a
 * registry's or a CI runner's would, not a connection each.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

type Method = 'GET' | 'POST' | 'PUT';
type Headers = Readonly<Record<string, string>>;

/** Sends `body` as JSON; resolves once the response has ended, with its body only when `keepBody`. */
function send(method: Method, url: string, body: string, headers: Headers, keepBody: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        if (keepBody) res.on('data', (c: Buffer) => chunks.push(c));
        else res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends `body` as JSON and resolves with the status (the response is read and dropped). */
export async function post(url: string, body: string, headers: Headers, method: 'POST' | 'PUT' = 'POST'): Promise<number> {
  return (await send(method, url, body, headers, false)).status;
}

/** Sends `body` as JSON and resolves with the status and the whole response body once it has ended. */
export function httpRequest(method: Method, url: string, body: string, headers: Headers): Promise<{ status: number; body: string }> {
  return send(method, url, body, headers, true);
}

/** Closes the kept-alive sockets, so the process can exit. */
export function closePosts(): void {
  agent.destroy();
}
