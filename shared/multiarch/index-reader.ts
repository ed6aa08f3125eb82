import { z } from 'zod';
import { INDEX_MEDIA_TYPES, type PlatformEntry } from '../events/acr-event.js';
import { makeRegistryGet, type RegistryReadOptions } from './registry-get.js';

/*
 * Reads an image index (OCI index, Docker manifest list) back from its registry, for the platforms a
 * coalesced push lists (distribution 2.x leaves `platform` out of the references in its events; ACR's
 * events carry no references at all), through registry-get.ts (credentials, SSRF policy, one deadline).
 * Indexes are immutable by digest, so results are cached per URL.
 */

const INDEX_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const indexManifest = z.object({
  mediaType: z.string().optional(),
  manifests: z
    .array(
      z.object({
        mediaType: z.string().max(255).optional(),
        digest: z.string().regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/),
        size: z.number().int().nonnegative().optional(),
        platform: z.object({ os: z.string().max(64), architecture: z.string().max(64), variant: z.string().max(64).optional() }).optional(),
      }),
    )
    .max(256),
});

type IndexReadResult = { readonly platforms: readonly PlatformEntry[] } | { readonly error: string };

interface IndexReaderOptions extends RegistryReadOptions {
  readonly cacheSize?: number;
}

export function makeIndexReader(options: IndexReaderOptions) {
  const cache = new Map<string, readonly PlatformEntry[]>();
  const cacheSize = options.cacheSize ?? 1000;
  const getManifest = makeRegistryGet(options);

  async function fetchIndex(url: string): Promise<IndexReadResult> {
    const got = await getManifest(url, INDEX_ACCEPT, 'index');
    if ('error' in got) return got;
    const parsed = indexManifest.safeParse(got.json);
    const type = parsed.success ? (parsed.data.mediaType ?? got.contentType) : undefined;
    if (!parsed.success || (type !== undefined && !INDEX_MEDIA_TYPES.has(type)))
      return { error: 'the manifest at that URL is not an image index' };
    return {
      platforms: parsed.data.manifests.map((m) => ({
        digest: m.digest,
        ...(m.mediaType ? { mediaType: m.mediaType } : {}),
        ...(m.size !== undefined ? { size: m.size } : {}),
        ...(m.platform ? { os: m.platform.os, architecture: m.platform.architecture } : {}),
        ...(m.platform?.variant ? { variant: m.platform.variant } : {}),
      })),
    };
  }

  return {
    /** The child manifests of the index at `url` (`…/v2/{repository}/manifests/{digest}`), or why they could not be read. */
    async read(url: string): Promise<IndexReadResult> {
      const hit = cache.get(url);
      if (hit) return { platforms: hit };
      const result = await fetchIndex(url);
      if ('platforms' in result) {
        if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
        cache.set(url, result.platforms);
      }
      return result;
    },
  };
}

export type IndexReader = ReturnType<typeof makeIndexReader>;
