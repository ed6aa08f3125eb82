import type { AcrEvent } from './acr-event.js';

/**
 * What an input adapter makes of one incoming event. `accept` events are final; `resolveDelete` needs
 * the registry's memory of pushed manifests (a blob delete looks exactly like a manifest delete on the
 * wire); `ignore` is counted and acknowledged; `reject` is reported to the sender.
 */
export type Candidate =
  | { readonly kind: 'accept'; readonly index: number; readonly event: AcrEvent }
  | { readonly kind: 'resolveDelete'; readonly index: number; readonly event: AcrEvent }
  | { readonly kind: 'ignore'; readonly index: number; readonly id: string | undefined; readonly reason: string }
  | { readonly kind: 'reject'; readonly index: number; readonly id: string | undefined; readonly message: string };

/** An input format: whether it takes a content type, and how it reads a parsed body. */
export interface InputAdapter {
  readonly name: string;
  accepts(contentType: string): boolean;
  normalize(body: unknown): readonly Candidate[] | { readonly error: string };
}

/** Media types of manifests and indexes (docker v2 schema 1/2, OCI): what ACR reports pushes of. */
export const MANIFEST_MEDIA_TYPES = new Set([
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
]);
