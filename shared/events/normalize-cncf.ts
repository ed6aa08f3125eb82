import { z } from 'zod';
import { acrEvent, INDEX_MEDIA_TYPES, type AcrEvent } from './acr-event.js';
import { eventId } from './event-id.js';
import { MANIFEST_MEDIA_TYPES, type Candidate, type InputAdapter } from './normalize.js';

/*
 * The CNCF distribution registry's notifications (docs: distribution/docs/notifications.md):
 * `{"events":[...]}` with Content-Type application/vnd.docker.distribution.events.v1+json (v2 in 3.x).
 * ACR reports manifests only, so pulls, mounts and blob events are dropped. A delete arrives as one
 * `{digest, repository}` event, then one `{repository, tag}` event per tag that pointed at it; the tag
 * events are folded in (ACR sends nothing for a tag delete): the digest delete carries the tags instead.
 */
const cncfEvent = z.object({
  id: eventId,
  timestamp: z.string(),
  action: z.string(),
  target: z
    .object({
      mediaType: z.string().optional(),
      size: z.number().optional(),
      digest: z.string().optional(),
      length: z.number().optional(),
      repository: z.string().optional(),
      url: z.string().optional(),
      tag: z.string().optional(),
      // Distribution 3.x's descriptors may carry an OCI 1.1 artifactType.
      artifactType: z.string().optional(),
      // With `notifications.events.includereferences: true`: an index's child descriptors (2.8 leaves
      // out `platform`, 3.x has it). On an image manifest they are its config and layers.
      references: z
        .array(
          z.object({
            mediaType: z.string().optional(),
            digest: z.string(),
            size: z.number().optional(),
            platform: z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() }).optional(),
          }),
        )
        .max(256)
        .optional(),
    })
    .default({}),
  request: z
    .object({
      id: z.string(),
      addr: z.string().optional(),
      host: z.string().optional(),
      method: z.string().optional(),
      useragent: z.string().optional(),
    })
    .optional(),
  actor: z.object({ name: z.string().optional() }).optional(),
  source: z.object({ addr: z.string().optional(), instanceID: z.string().optional() }).optional(),
});

const envelope = z.object({ events: z.array(z.unknown(), { error: 'the body must be {"events": [...]}' }) });

function isManifest(target: z.infer<typeof cncfEvent>['target']): boolean {
  if (target.mediaType && MANIFEST_MEDIA_TYPES.has(target.mediaType)) return true;
  return target.url?.includes('/manifests/') ?? false;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'event'}: ${issue.message}` : 'invalid event';
}

function toCandidate(raw: unknown, index: number): Candidate {
  const parsed = cncfEvent.safeParse(raw);
  const rawId =
    typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
  if (!parsed.success) return { kind: 'reject', index, id: rawId, message: firstIssue(parsed.error) };
  const e = parsed.data;
  const t = e.target;
  const base = {
    id: e.id,
    timestamp: e.timestamp,
    ...(e.request ? { request: { id: e.request.id, host: e.request.host, method: e.request.method, useragent: e.request.useragent } } : {}),
  };
  if (e.action === 'push') {
    if (!isManifest(t)) return { kind: 'ignore', index, id: e.id, reason: 'blob push (ACR reports manifests only)' };
    // An index keeps its children and its URL for coalesced webhooks (payloads.ts leaves them out of ACR's payload).
    const isIndex = t.mediaType !== undefined && INDEX_MEDIA_TYPES.has(t.mediaType);
    const platforms = isIndex
      ? t.references?.map((r) => ({
          digest: r.digest,
          ...(r.mediaType ? { mediaType: r.mediaType } : {}),
          ...(r.size !== undefined ? { size: r.size } : {}),
          ...(r.platform ? { os: r.platform.os, architecture: r.platform.architecture } : {}),
          ...(r.platform?.variant ? { variant: r.platform.variant } : {}),
        }))
      : undefined;
    const event = acrEvent.safeParse({
      ...base,
      action: 'push',
      target: {
        mediaType: t.mediaType,
        size: t.size,
        digest: t.digest,
        length: t.length ?? t.size,
        repository: t.repository,
        ...(t.tag ? { tag: t.tag } : {}),
        ...(isIndex && t.url ? { url: t.url } : {}),
        // Where skipReferrers reads the manifest back (never delivered; ACR's payload has no URL).
        ...(t.url ? { manifestUrl: t.url } : {}),
        ...(t.artifactType ? { artifactType: t.artifactType } : {}),
        ...(platforms && platforms.length > 0 ? { platforms } : {}),
      },
    });
    return event.success
      ? { kind: 'accept', index, event: event.data, remember: true }
      : { kind: 'reject', index, id: e.id, message: firstIssue(event.error) };
  }
  if (e.action === 'delete') {
    if (!t.digest) return { kind: 'ignore', index, id: e.id, reason: 'tag delete (folded into the manifest delete it follows)' };
    const event = acrEvent.safeParse({ ...base, action: 'delete', target: { digest: t.digest, repository: t.repository } });
    return event.success
      ? { kind: 'resolveDelete', index, event: event.data satisfies AcrEvent }
      : { kind: 'reject', index, id: e.id, message: firstIssue(event.error) };
  }
  return { kind: 'ignore', index, id: e.id, reason: `${e.action} events are not reported` };
}

export const cncfAdapter: InputAdapter = {
  name: 'cncf-distribution',
  accepts: (type) => /^application\/vnd\.docker\.distribution\.events\.v[12]\+json\b/i.test(type),
  normalize(body) {
    const parsed = envelope.safeParse(body);
    if (!parsed.success) return { error: 'The body must be a notification envelope: {"events": [...]}.' };
    return parsed.data.events.map(toCandidate);
  },
};
