/** What a push event's `target` may say: mediaType, size, digest, length, repository and tag. */
interface PushTarget {
  readonly mediaType: string;
  readonly size: number;
  readonly digest: string;
  readonly length: number;
  readonly repository: string;
  readonly tag: string;
}

/** ACR's `request` block of an event: who pushed, from where. */
interface PushRequest {
  readonly id: string;
  readonly host: string;
  readonly method: string;
  readonly useragent: string;
}

/**
 * An ACR-style push event the benchmarks ingest, stamped now: an OCI manifest of `bench/app` tagged with
 * the event's id unless `target` says otherwise; `request` added when given.
 */
export function pushEvent(id: string, target: Partial<PushTarget> = {}, request?: PushRequest) {
  return {
    id,
    timestamp: new Date().toISOString(),
    action: 'push',
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 525,
      digest: `sha256:${'c'.repeat(64)}`,
      length: 525,
      repository: 'bench/app',
      tag: id,
      ...target,
    },
    ...(request ? { request } : {}),
  };
}
