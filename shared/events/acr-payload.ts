import { INDEX_MEDIA_TYPES, type AcrEvent } from './acr-event.js';

/*
 * What a delivery carries of an event. `target.platforms` (the child descriptors a source reported) and,
 * on an index push, `target.url` (where the index can be read back) are the service's working data:
 * a perManifest webhook gets exactly ACR's payload without them; a coalesced webhook gets the index push
 * with `target.platforms` completed from the index (multiarch/payloads.ts). Here, below the delivery
 * layer, so that storage renders a delivery's body again from its event's row (delivery/body-source.ts).
 */

export const isIndexPush = (event: AcrEvent): boolean =>
  event.action === 'push' && event.target.mediaType !== undefined && INDEX_MEDIA_TYPES.has(event.target.mediaType);

/** ACR's payload: the event without the service's working fields. */
export function acrPayload(event: AcrEvent): AcrEvent {
  const { platforms, url, manifestUrl, artifactType, subject, ...target } = event.target;
  void [platforms, manifestUrl, artifactType, subject];
  return { ...event, target: isIndexPush(event) || url === undefined ? target : { ...target, url } };
}
