import type { AcrEvent } from '../events/acr-event.js';
import { referrerByEvent, referrerByManifest, type ReferrerKind } from '../events/referrers.js';
import type { ManifestReader } from '../multiarch/manifest-reader.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import { logValue } from '../log-value.js';

export interface SkipReferrersDeps {
  readonly manifestReader: ManifestReader;
}

/**
 * Where a pushed manifest can be read back: the source's URL for it (a CNCF registry's `target.url`), else
 * ACR's manifest URL on `request.host`, by digest.
 */
function manifestUrl(event: AcrEvent): string | undefined {
  const t = event.target;
  if (t.manifestUrl) return t.manifestUrl;
  if (t.url) return t.url;
  const host = event.request?.host;
  return host && t.digest ? `https://${host}/v2/${t.repository}/manifests/${t.digest}` : undefined;
}

/**
 * Whether an event is a signature, attestation or SBOM (events/referrers.ts), asked only when a webhook
 * the event goes to has skipReferrers: first by what the event says (a cosign tag, a subject or
 * artifactType from its source), then, for a push, by its manifest read back from the registry. A manifest
 * that cannot be read counts as no referrer: the event is delivered (a skip must never lose an image's event),
 * and the reason is logged.
 */
export async function referrerKind(
  deps: SkipReferrersDeps,
  event: AcrEvent,
  targets: readonly WebhookRecord[],
  log: (message: string) => void,
): Promise<ReferrerKind | undefined> {
  if (!targets.some((w) => w.skipReferrers)) return undefined;
  const said = referrerByEvent(event);
  if (said || (event.action !== 'push' && event.action !== 'quarantine') || !event.target.digest) return said;
  const url = manifestUrl(event);
  if (!url) {
    log('skipReferrers: manifest not read: the event names no registry host');
    return undefined;
  }
  const read = await deps.manifestReader.read(url);
  if ('error' in read) {
    log(`skipReferrers: manifest not read, delivered: ${logValue(read.error, 500)}`);
    return undefined;
  }
  return referrerByManifest(read.facts);
}
