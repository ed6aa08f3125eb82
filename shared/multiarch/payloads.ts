import { INDEX_MEDIA_TYPES, type AcrEvent, type PlatformEntry } from '../events/acr-event.js';

/*
 * What a delivery carries of an event. `target.platforms` (the child descriptors a source reported) and,
 * on an index push, `target.url` (where the index can be read back) are the service's working data:
 * a perManifest webhook gets exactly ACR's payload without them; a coalesced webhook gets the index push
 * with `target.platforms` completed from the index.
 */

export const isIndexPush = (event: AcrEvent): boolean =>
  event.action === 'push' && event.target.mediaType !== undefined && INDEX_MEDIA_TYPES.has(event.target.mediaType);

/** A manifest push by digest alone that is not an index: what a multi-arch push sends first, per platform. */
export const isTaglessChildPush = (event: AcrEvent): boolean =>
  event.action === 'push' && event.target.tag === undefined && event.target.digest !== undefined && !isIndexPush(event);

/** ACR's payload: the event without the service's working fields. */
export function acrPayload(event: AcrEvent): AcrEvent {
  const { platforms, url, manifestUrl, artifactType, subject, ...target } = event.target;
  void [platforms, manifestUrl, artifactType, subject];
  return { ...event, target: isIndexPush(event) || url === undefined ? target : { ...target, url } };
}

/** The one event a coalesced webhook gets for an index push: ACR's payload plus the platforms. */
export function coalescedPayload(event: AcrEvent, platforms: readonly PlatformEntry[]): AcrEvent {
  const base = acrPayload(event);
  return { ...base, target: { ...base.target, platforms: [...platforms] } };
}
