import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { WebhookRecord } from '../webhooks/webhook.js';
import { boundedMemo } from '../bounded-memo.js';

/*
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, computed by the reference
 * `standardwebhooks` package so any receiver's verifier agrees. Receivers that ignore the headers are
 * unaffected. While a rotated-out secret is still valid, both signatures are sent, space-separated, as
 * the spec allows.
 */

/** A new `whsec_` secret: 24 random bytes, base64, as Standard Webhooks expects. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The secrets to sign with now: the current one, and the previous one until it expires. */
export function activeSecrets(
  webhook: Pick<WebhookRecord, 'signingSecret' | 'previousSigningSecret' | 'previousSecretExpiresAt'>,
  now: Date,
): string[] {
  const secrets: string[] = [];
  if (webhook.signingSecret) secrets.push(webhook.signingSecret);
  if (webhook.previousSigningSecret && webhook.previousSecretExpiresAt && Date.parse(webhook.previousSecretExpiresAt) > now.getTime()) {
    secrets.push(webhook.previousSigningSecret);
  }
  return secrets;
}

/** One signer per secret: `new Webhook` decodes the base64 key, once per delivery otherwise (issue 24). */
const signer = boundedMemo(10_000, (secret) => new Webhook(secret));

/** The three headers for one attempt; empty when the webhook has no secret (rows from before signing). */
export function signatureHeaders(secrets: readonly string[], messageId: string, at: Date, body: string): Record<string, string> {
  if (secrets.length === 0) return {};
  const signature = secrets.map((s) => signer(s).sign(messageId, at, body)).join(' ');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}
