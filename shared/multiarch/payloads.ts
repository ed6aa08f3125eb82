import type { AcrEvent, PlatformEntry } from '../events/acr-event.js';
import { acrPayload, isIndexPush } from '../events/acr-payload.js';

/*
 * The multi-arch payloads: what a coalesced webhook gets. ACR's own payload of an event (`acrPayload`)
 * lives in events/acr-payload.ts, so that storage can render a body again from an event's row; it is
 * exported here too, beside the payloads built on it.
 */
export { acrPayload, isIndexPush };

/** A manifest push by digest alone that is not an index: what a multi-arch push sends first, per platform. */
export const isTaglessChildPush = (event: AcrEvent): boolean =>
  event.action === 'push' && event.target.tag === undefined && event.target.digest !== undefined && !isIndexPush(event);

/** The one event a coalesced webhook gets for an index push: ACR's payload plus the platforms. */
export function coalescedPayload(event: AcrEvent, platforms: readonly PlatformEntry[]): AcrEvent {
  const base = acrPayload(event);
  return { ...base, target: { ...base.target, platforms: [...platforms] } };
}
