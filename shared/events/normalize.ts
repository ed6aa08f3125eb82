import type { AcrEvent } from './acr-event.js';

/**
 * What an input adapter makes of one incoming event. `accept` events are final; `resolveDelete` needs
 * the registry's memory of pushed manifests (a blob delete looks exactly like a manifest delete on the
 * wire); `ignore` is counted and acknowledged; `reject` is reported to the sender.
 */
export type Candidate =
  | {
      readonly kind: 'accept';
      readonly index: number;
      readonly event: AcrEvent;
      /** Remember the pushed manifest (the source's deletes will need it to be told from blob deletes). */
      readonly remember?: boolean;
    }
  | { readonly kind: 'resolveDelete'; readonly index: number; readonly event: AcrEvent }
  | { readonly kind: 'ignore'; readonly index: number; readonly id: string | undefined; readonly reason: string }
  | { readonly kind: 'reject'; readonly index: number; readonly id: string | undefined; readonly message: string };

/** The request headers an adapter may look at (`HttpRequest.headers` is one). */
export interface RequestHeaders {
  get(name: string): string | null;
}

/**
 * An input format: whether it takes a request (by its content type, and headers where the content type is
 * shared), optionally whether a parsed body is its own (Event Grid and plain ACR events are both
 * application/json), and how it reads the body. A format with a subscription handshake in the body
 * (Event Grid's validation event) says so in `validation`, which the ingest answers instead of reading events.
 */
export interface InputAdapter {
  readonly name: string;
  /** The status of a successful ingest (202 unless set). */
  readonly acceptedStatus?: 200 | 202;
  accepts(contentType: string, headers?: RequestHeaders): boolean;
  recognizes?(body: unknown, headers?: RequestHeaders): boolean;
  validation?(body: unknown, headers?: RequestHeaders): { readonly validationResponse: string } | { readonly error: string } | undefined;
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
