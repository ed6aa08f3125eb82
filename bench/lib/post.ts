import http from 'node:http';

/*
 * The bench's own HTTP client: node's http with one keep-alive agent, so the driver's requests cost what a
 * registry's or a CI runner's would, not a connection each.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** Sends `body` as JSON and resolves with the status (the response is read and dropped). */
export function post(url: string, body: string, headers: Record<string, string>, method: 'POST' | 'PUT' = 'POST'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Closes the kept-alive sockets, so the process can exit. */
export function closePosts(): void {
  agent.destroy();
}
