import { z } from 'zod';
import { eventId } from './event-id.js';
import { imageName } from '../webhooks/acr-conventions.js';

/*
 * ACR's webhook payload (https://learn.microsoft.com/azure/container-registry/container-registry-webhook-reference),
 * the one shape every input is normalised to and every delivery carries. Fields ACR sends are kept as they
 * are; `target.tags` is our addition on deletes (the tags that pointed at the deleted manifest), since
 * ACR's delete payload has none and users asked for them.
 */
const EVENT_ACTIONS = ['push', 'delete', 'quarantine', 'chart_push', 'chart_delete'] as const;

const digest = z.string().regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'must be a digest such as sha256:<hex>');
const repository = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, 'must be a lowercase repository name');
const tag = z.string().regex(/^[\w][\w.-]{0,127}$/, 'must be a tag (letters, digits, _ . -)');

/**
 * One platform manifest of a multi-arch image (an OCI index or Docker manifest list), as a coalesced
 * push lists it. `os`/`architecture` are absent when the index could not be read from the registry.
 */
const platformEntry = z.object({
  digest,
  mediaType: z.string().max(255).optional(),
  size: z.number().int().nonnegative().optional(),
  os: z.string().max(64).optional(),
  architecture: z.string().max(64).optional(),
  variant: z.string().max(64).optional(),
});
export type PlatformEntry = z.infer<typeof platformEntry>;

/** Media types of image indexes: a push of one of these is a multi-arch image. */
export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

const acrTarget = z.object({
  mediaType: z.string().max(255).optional(),
  size: z.number().int().nonnegative().optional(),
  digest: digest.optional(),
  length: z.number().int().nonnegative().optional(),
  repository,
  tag: tag.optional(),
  tags: z.array(tag).max(1000).optional(),
  url: z.string().max(2048).optional(),
  /** Our addition on pushes: the digest the tag pointed at before, as far as the service remembers. */
  previousDigest: digest.optional(),
  /**
   * Our addition on index pushes: the child manifests. Internally it carries what the source told (a
   * CNCF registry's `references`); only coalesced deliveries send it, completed from the index itself.
   */
  platforms: z.array(platformEntry).max(256).optional(),
  /*
   * Working data for skipReferrers, never delivered (payloads.ts drops them): where the manifest can be read
   * back (a CNCF registry's `target.url`), and what a source may say of an OCI 1.1 artifact, its
   * `artifactType` and the `subject` it refers to.
   */
  manifestUrl: z.string().max(2048).optional(),
  artifactType: z.string().max(255).optional(),
  subject: z.object({ digest, mediaType: z.string().max(255).optional(), size: z.number().int().nonnegative().optional() }).optional(),
  name: z.string().max(256).optional(),
  version: z.string().max(256).optional(),
});

const acrRequest = z.object({
  id: z.string().max(256),
  host: z.string().max(256).optional(),
  method: z.string().max(16).optional(),
  useragent: z.string().max(1024).optional(),
  addr: z.string().max(256).optional(),
});

export const acrEvent = z.object({
  id: eventId,
  timestamp: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 timestamp'),
  action: z.enum(EVENT_ACTIONS),
  target: acrTarget,
  request: acrRequest.optional(),
  actor: z.object({ name: z.string().max(256).optional() }).optional(),
  source: z.object({ addr: z.string().max(256).optional(), instanceID: z.string().max(256).optional() }).optional(),
});
export type AcrEvent = z.infer<typeof acrEvent>;

/** The payload ACR sends for a ping (ACR documents no more than these fields). */
export interface PingEvent {
  id: string;
  timestamp: string;
  action: 'ping';
}

export type DeliveredEvent = AcrEvent | PingEvent;

/** `repo:tag` or `repo`, as az's IMAGE column shows it. */
export function imageOf(event: DeliveredEvent): string {
  return event.action === 'ping' ? '' : imageName(event.target);
}
