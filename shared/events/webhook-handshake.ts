import type { HttpResponseInit } from '@azure/functions';
import { ApiError } from '../errors.js';
import type { RequestHeaders } from './normalize.js';

/**
 * The CloudEvents webhook abuse-protection handshake
 * (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/http-webhook.md#4-abuse-protection), which Event
 * Grid sends before delivering CloudEvents: an OPTIONS with `WebHook-Request-Origin` (and optionally
 * `WebHook-Request-Rate`, `WebHook-Request-Callback`). Granting it synchronously means echoing the origin in
 * `WebHook-Allowed-Origin`; we take any rate. The callback is for targets that grant later: not needed.
 */
export function abuseProtectionResponse(headers: RequestHeaders): HttpResponseInit {
  const origin = headers.get('webhook-request-origin')?.trim();
  if (!origin) {
    throw new ApiError(
      'InvalidRequestContent',
      'OPTIONS on this endpoint is the CloudEvents webhook validation handshake: send a WebHook-Request-Origin header (Event Grid sends eventgrid.azure.net).',
      'WebHook-Request-Origin',
    );
  }
  return {
    status: 200,
    headers: { 'webhook-allowed-origin': origin, 'webhook-allowed-rate': '*', allow: 'OPTIONS, POST' },
  };
}
