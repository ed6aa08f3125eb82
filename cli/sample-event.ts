import { createHash, randomUUID } from 'node:crypto';

export interface SampleEventOptions {
  readonly action: 'push' | 'delete';
  readonly repository: string;
  readonly tag?: string | undefined;
  readonly digest?: string | undefined;
  readonly registryHost: string;
  readonly now: Date;
}

/** ACR's webhook payload for push and delete. */
export interface SampleEvent {
  readonly id: string;
  readonly timestamp: string;
  readonly action: 'push' | 'delete';
  readonly target: {
    readonly mediaType: string;
    readonly size?: number;
    readonly digest: string;
    readonly length?: number;
    readonly repository: string;
    readonly tag?: string;
  };
  readonly request: { readonly id: string; readonly host: string; readonly method: string; readonly useragent: string };
}

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

/**
 * An event in ACR's webhook format (https://learn.microsoft.com/azure/container-registry/container-registry-webhook-reference):
 * push carries `{mediaType, size, digest, length, repository, tag}`; delete carries `{mediaType, digest,
 * repository}`. Both carry `request`. The digest defaults to one derived from the image name, so sending
 * the same sample twice names the same manifest.
 */
export function sampleEvent(opts: SampleEventOptions): SampleEvent {
  const tag = opts.tag ?? 'latest';
  const digest = opts.digest ?? `sha256:${createHash('sha256').update(`${opts.repository}:${tag}`).digest('hex')}`;
  const request = {
    id: randomUUID(),
    host: opts.registryHost,
    method: opts.action === 'push' ? 'PUT' : 'DELETE',
    useragent: 'registry-webhooks-cli',
  };
  const target: SampleEvent['target'] =
    opts.action === 'push'
      ? { mediaType: MANIFEST_TYPE, size: 524, digest, length: 524, repository: opts.repository, tag }
      : { mediaType: MANIFEST_TYPE, digest, repository: opts.repository };
  return { id: randomUUID(), timestamp: opts.now.toISOString(), action: opts.action, target, request };
}
