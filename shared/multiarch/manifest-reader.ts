import { z } from 'zod';
import type { ManifestFacts } from '../events/referrers.js';
import { makeRegistryGet, type RegistryReadOptions } from './registry-get.js';

/*
 * Reads a manifest back from its registry for skipReferrers (its `subject` and `artifactType`), the index
 * reader's way (registry-get.ts: the same credentials, SSRF policy and deadline). A manifest is immutable
 * by digest, so what it says is cached per URL (`…/manifests/{digest}`); a failed read is not cached.
 */
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

const manifest = z.object({
  artifactType: z.string().max(255).optional(),
  config: z.object({ mediaType: z.string().max(255).optional() }).optional(),
  subject: z.object({ digest: z.string() }).optional(),
});

type ManifestReadResult = { readonly facts: ManifestFacts } | { readonly error: string };

interface ManifestReaderOptions extends RegistryReadOptions {
  readonly cacheSize?: number;
}

export function makeManifestReader(options: ManifestReaderOptions) {
  const cache = new Map<string, ManifestFacts>();
  const cacheSize = options.cacheSize ?? 5000;
  const getManifest = makeRegistryGet(options);
  return {
    /** What the manifest at `url` says of itself as an artifact, or why it could not be read. */
    async read(url: string): Promise<ManifestReadResult> {
      const hit = cache.get(url);
      if (hit) return { facts: hit };
      const got = await getManifest(url, MANIFEST_ACCEPT, 'manifest');
      if ('error' in got) return got;
      const parsed = manifest.safeParse(got.json);
      if (!parsed.success) return { error: 'the answer is not a manifest' };
      const facts: ManifestFacts = {
        hasSubject: parsed.data.subject !== undefined,
        artifactType: parsed.data.artifactType ?? parsed.data.config?.mediaType,
      };
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
      cache.set(url, facts);
      return { facts };
    },
  };
}

export type ManifestReader = ReturnType<typeof makeManifestReader>;
