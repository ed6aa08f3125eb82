import type { Destination } from '../delivery/destination.js';
import type { Poster } from '../delivery/post-json.js';

/**
 * `WebHook`: ACR's POST of the body to the service URI, through the deliveries' poster (its SSRF policy
 * and its connections per origin: a paced delivery waits for one only until its `connectionWait`).
 */
export function httpDestination(poster: Pick<Poster, 'post' | 'deliver'>): Destination {
  return {
    // An endpoint's POSTs go out concurrently: HTTP makes no promise of order.
    ordered: false,
    describe: (m) => ({ requestHeaders: m.request.maskedHeaders, requestUri: m.request.maskedUri }),
    send: (m) => {
      const post = {
        url: m.request.url,
        headers: m.request.headers,
        body: m.body,
        timeoutMs: m.timeoutMs,
        maxResponseBytes: m.maxResponseBytes,
      };
      return m.connectionWait ? poster.deliver({ ...post, connectionWait: m.connectionWait }) : poster.post(post);
    },
  };
}
