import { createHash } from 'node:crypto';
import { z } from 'zod';
import { acrEvent } from './acr-event.js';
import type { Candidate, InputAdapter } from './normalize.js';

/*
 * Harbor's webhook payloads (goharbor/harbor: src/pkg/notifier/model/event.go for the payload,
 * src/pkg/notifier/formats/default.go and cloudevents.go for the two formats a webhook policy offers,
 * src/controller/event/handler/webhook/artifact/artifact.go for how an artifact event fills it):
 *
 *  - Default: `{type, occur_at (unix seconds), operator, event_data: {resources: [{digest, tag,
 *    resource_url}], repository: {name, namespace, repo_full_name, repo_type, date_created}}}`,
 *    Content-Type application/json.
 *  - CloudEvents: `{specversion: "1.0", id, source: "/projects/{p}/webhook/policies/{id}", type:
 *    "harbor.artifact.pushed", time, datacontenttype, data: <event_data>, requestid, operator}`,
 *    Content-Type application/cloudevents+json.
 *
 * A resource's `tag` is the artifact's first tag, or its digest when it has none; `resource_url` is
 * `{external host}/{repo_full_name}:{tag}` or `...@{digest}`. Each resource of a push or delete becomes
 * one ACR event; every other type (pulls, scans, quotas, replication, retention, tag events) is
 * acknowledged and counted as ignored. Harbor's default format has no event id and a CloudEvent's id is
 * a fresh UUID per send, so the id is derived from what the event says: a resend dedupes, and a project
 * with both formats pointed here delivers each change once.
 */
const PUSH = new Set(['PUSH_ARTIFACT', 'harbor.artifact.pushed']);
const DELETE = new Set(['DELETE_ARTIFACT', 'harbor.artifact.deleted']);

const resource = z.object({
  digest: z.string().optional(),
  tag: z.string().optional(),
  resource_url: z.string().optional(),
});

const eventData = z.object({
  resources: z.array(resource).max(1000).optional(),
  repository: z
    .object({
      name: z.string().optional(),
      namespace: z.string().optional(),
      repo_full_name: z.string().optional(),
    })
    .optional(),
});

const defaultPayload = z.object({
  type: z.string().min(1).max(128),
  occur_at: z.number().int().nonnegative(),
  event_data: eventData.optional(),
});

const cloudEvent = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(256),
  type: z.string().min(1).max(256),
  time: z.string().refine((t) => !Number.isNaN(Date.parse(t)), 'time must be an RFC 3339 timestamp'),
  data: eventData.optional(),
  requestid: z.string().max(256).optional(),
});

interface HarborEvent {
  readonly type: string;
  readonly time: string;
  readonly data: z.infer<typeof eventData> | undefined;
  readonly requestId: string | undefined;
}

const isDigest = (s: string) => /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(s);

/** The registry host of a resource URL (`harbor.example.com/library/app:1.0`, with or without a scheme). */
function hostOf(resourceUrl: string | undefined): string | undefined {
  if (!resourceUrl) return undefined;
  const rest = resourceUrl.replace(/^[a-z]+:\/\//i, '');
  const host = rest.split('/')[0];
  return host && host.length <= 256 ? host : undefined;
}

/** Harbor's two spellings of a type (PUSH_ARTIFACT, harbor.artifact.pushed) give the same id. */
function derivedId(action: 'push' | 'delete', time: string, repository: string, r: z.infer<typeof resource>): string {
  const key = [action, time, repository, r.digest ?? '', r.tag ?? ''].join('|');
  return `harbor-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'event'}: ${issue.message}` : 'invalid event';
}

function candidates(e: HarborEvent, index: number, rawId: string | undefined): Candidate[] {
  const push = PUSH.has(e.type);
  if (!push && !DELETE.has(e.type)) return [{ kind: 'ignore', index, id: rawId, reason: `Harbor ${e.type} events are not reported` }];
  const repository = e.data?.repository?.repo_full_name;
  const resources = e.data?.resources ?? [];
  if (!repository || resources.length === 0) {
    return [
      { kind: 'reject', index, id: rawId, message: 'a Harbor artifact event needs event_data.repository.repo_full_name and resources' },
    ];
  }
  const action = push ? 'push' : 'delete';
  return resources.map((r): Candidate => {
    const id = derivedId(action, e.time, repository, r);
    const tag = r.tag && !isDigest(r.tag) ? r.tag : undefined;
    const host = hostOf(r.resource_url);
    const request = { id: e.requestId ?? id, ...(host ? { host } : {}), method: push ? 'PUT' : 'DELETE' };
    const target = push
      ? { digest: r.digest, repository, ...(tag ? { tag } : {}) }
      : { digest: r.digest, repository, ...(tag ? { tags: [tag] } : {}) };
    const parsed = acrEvent.safeParse({ id, timestamp: e.time, action, target, request });
    return parsed.success ? { kind: 'accept', index, event: parsed.data } : { kind: 'reject', index, id, message: issueText(parsed.error) };
  });
}

const looksLikeDefault = (body: unknown): boolean =>
  typeof body === 'object' &&
  body !== null &&
  !Array.isArray(body) &&
  typeof (body as { type?: unknown }).type === 'string' &&
  typeof (body as { occur_at?: unknown }).occur_at === 'number';

/** Harbor's default format (application/json). Recognised by `type` and `occur_at`, before plain ACR events. */
export const harborAdapter: InputAdapter = {
  name: 'harbor',
  accepts: (type) => /^application\/json\b/i.test(type),
  recognizes: looksLikeDefault,
  normalize(body) {
    const parsed = defaultPayload.safeParse(body);
    if (!parsed.success) return { error: `The body is not a Harbor webhook payload: ${issueText(parsed.error)}.` };
    const p = parsed.data;
    return candidates(
      { type: p.type, time: new Date(p.occur_at * 1000).toISOString(), data: p.event_data, requestId: undefined },
      0,
      undefined,
    );
  },
};

/** Harbor's CloudEvents format. Recognised by a `harbor.` type, before Event Grid's CloudEvents. */
export const harborCloudEventsAdapter: InputAdapter = {
  name: 'harbor-cloudevents',
  accepts: (type) => /^application\/cloudevents\+json\b/i.test(type),
  recognizes: (body) =>
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { type?: unknown }).type === 'string' &&
    (body as { type: string }).type.startsWith('harbor.'),
  normalize(body) {
    const parsed = cloudEvent.safeParse(body);
    if (!parsed.success) return { error: `The body is not a Harbor CloudEvent: ${issueText(parsed.error)}.` };
    const e = parsed.data;
    return candidates({ type: e.type, time: new Date(e.time).toISOString(), data: e.data, requestId: e.requestid }, 0, e.id);
  },
};
