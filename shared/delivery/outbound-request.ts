import type { WebhookRecord } from '../webhooks/webhook.js';
import { boundedMemo } from '../bounded-memo.js';

/** ACR's deliveries carry a User-Agent starting `AzureContainerRegistry/`; receivers (Kargo, …) detect ACR by it. */
export const USER_AGENT = 'AzureContainerRegistry/1.0 registry-webhooks/0.1';
const MASK = '***';
/** What a body is sent as unless its format says otherwise (a record without `contentType`). */
export const DEFAULT_CONTENT_TYPE = 'application/json';

export interface OutboundRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The same headers with every custom header value masked: what the record and the logs may hold. */
  readonly maskedHeaders: Readonly<Record<string, string>>;
  readonly maskedUri: string;
}

/**
 * The request for one delivery: the body's content type (its payload format's, `application/json` by
 * default) and our User-Agent unless a custom header overrides them (names compare case-insensitively),
 * the signature headers (`extra`; custom headers cannot set them: the schema refuses those names), then
 * the webhook's custom headers.
 */
export function outboundRequest(
  webhook: Pick<WebhookRecord, 'serviceUri' | 'customHeaders'>,
  extra: Readonly<Record<string, string>> = {},
  contentType: string = DEFAULT_CONTENT_TYPE,
): OutboundRequest {
  const headers: Record<string, string> = { 'content-type': contentType, 'user-agent': USER_AGENT };
  for (const name in extra) headers[name.toLowerCase()] = extra[name]!;
  const masked: Record<string, string> = { ...headers };
  // Signatures are per attempt and useless to an attacker without the secret, but they are not for the log.
  if (masked['webhook-signature']) masked['webhook-signature'] = MASK;
  for (const [name, value] of Object.entries(webhook.customHeaders)) {
    headers[name.toLowerCase()] = value;
    masked[name.toLowerCase()] = MASK;
  }
  return { url: webhook.serviceUri, headers, maskedHeaders: masked, maskedUri: maskUri(webhook.serviceUri) };
}

/** The service URI with its secrets masked: user info and query values (receivers put tokens there). Once per URI. */
export const maskUri = boundedMemo(10_000, maskOnce);

function maskOnce(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.username) url.username = MASK;
    if (url.password) url.password = MASK;
    const keys = [...new Set(url.searchParams.keys())];
    const query = keys.map((k) => `${encodeURIComponent(k)}=${MASK}`).join('&');
    url.search = '';
    return query ? `${url.toString()}?${query}` : url.toString();
  } catch {
    return MASK;
  }
}
