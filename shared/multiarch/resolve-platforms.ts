import type { AcrEvent, PlatformEntry } from '../events/acr-event.js';
import type { IndexReader } from './index-reader.js';

/**
 * Where the index of an index push can be read: the CNCF event's `target.url`, else ACR's manifest URL on `request.host`.
 * @internal
 */
export function indexUrl(event: AcrEvent): string | undefined {
  if (event.target.url) return event.target.url;
  const host = event.request?.host;
  if (!host || !event.target.digest) return undefined;
  return `https://${host}/v2/${event.target.repository}/manifests/${event.target.digest}`;
}

/**
 * The platforms of an index push: what the source reported when it carries platforms, else read from
 * the registry. When the index cannot be read, the digests the source reported (without os and
 * architecture), and the reason is logged; the event is never held back for it.
 */
export async function resolvePlatforms(reader: IndexReader, event: AcrEvent, log: (message: string) => void): Promise<PlatformEntry[]> {
  const reported = event.target.platforms ?? [];
  if (reported.length > 0 && reported.every((p) => p.os !== undefined && p.architecture !== undefined)) return [...reported];
  const url = indexUrl(event);
  if (!url) {
    log(`platforms not read: the event names no registry host`);
    return [...reported];
  }
  const result = await reader.read(url);
  if ('error' in result) {
    log(`platforms not read: ${result.error}`);
    return [...reported];
  }
  return [...result.platforms];
}
