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
      const { url, headers } = m.request;
      const { body, timeoutMs, maxResponseBytes, connectionWait } = m;
      // One object per delivery, not a copy of one (issue 24).
      return connectionWait
        ? poster.deliver({ url, headers, body, timeoutMs, maxResponseBytes, connectionWait })
        : poster.post({ url, headers, body, timeoutMs, maxResponseBytes });
    },
  };
}
