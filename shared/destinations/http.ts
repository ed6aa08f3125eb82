import type { Destination } from '../delivery/destination.js';
import type { Poster } from '../delivery/post-json.js';

/** `WebHook`: ACR's POST of the body to the service URI, through the deliveries' poster (its SSRF policy). */
export function httpDestination(poster: Pick<Poster, 'post'>): Destination {
  return {
    describe: (m) => ({ requestHeaders: m.request.maskedHeaders, requestUri: m.request.maskedUri }),
    send: (m) =>
      poster.post({
        url: m.request.url,
        headers: m.request.headers,
        body: m.body,
        timeoutMs: m.timeoutMs,
        maxResponseBytes: m.maxResponseBytes,
      }),
  };
}
