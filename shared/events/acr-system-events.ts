import { z } from 'zod';
import { acrEvent, type AcrEvent } from './acr-event.js';
import type { Candidate } from './normalize.js';

/*
 * ACR's Event Grid system events (https://learn.microsoft.com/azure/event-grid/event-schema-container-registry):
 * one event type per webhook action ACR reports through Event Grid. Quarantine has no Event Grid event.
 * `data` is ACR's webhook payload plus `location` (and `connectedRegistry` for connected registries).
 */
export const ACR_EVENT_TYPES = {
  push: 'Microsoft.ContainerRegistry.ImagePushed',
  delete: 'Microsoft.ContainerRegistry.ImageDeleted',
  chart_push: 'Microsoft.ContainerRegistry.ChartPushed',
  chart_delete: 'Microsoft.ContainerRegistry.ChartDeleted',
} as const;
export type SystemEventAction = keyof typeof ACR_EVENT_TYPES;

const byType = new Map<string, SystemEventAction>(
  Object.entries(ACR_EVENT_TYPES).map(([action, type]) => [type.toLowerCase(), action as SystemEventAction]),
);

/** The webhook action of an ACR event type, or undefined for any other type. Types compare case-insensitively. */
function actionOfType(type: string): SystemEventAction | undefined {
  return byType.get(type.toLowerCase());
}

export function isSystemEventAction(action: AcrEvent['action']): action is SystemEventAction {
  return action in ACR_EVENT_TYPES;
}

/** Event Grid's subject for an ACR event: `repo:tag` (push), `repo` (delete), `chart:version` (charts). */
export function subjectOf(event: AcrEvent): string {
  const t = event.target;
  if (event.action === 'chart_push' || event.action === 'chart_delete') {
    if (t.name && t.version) return `${t.name}:${t.version}`;
  }
  if (event.action === 'delete') return t.repository;
  return t.tag ? `${t.repository}:${t.tag}` : t.repository;
}

/** ACR's Event Grid `data`: the webhook payload plus `location` (the registry's region, when known). */
export type SystemEventData = AcrEvent & { location?: string };

/** ACR's Event Grid schema uses dataVersion "2.0" for data with `location` (1.0 had none). */
export const SYSTEM_EVENT_DATA_VERSION = '2.0';

/** An ACR payload as ACR's Event Grid events carry it in `data` (for the mirror and the `cloudevents` format). */
export function systemEventData(event: AcrEvent, location: string | undefined): SystemEventData {
  const { id, timestamp, action, ...rest } = event;
  return { id, timestamp, action, ...(location ? { location } : {}), ...rest };
}

const dataObject = z.record(z.string(), z.unknown());

/**
 * One Event Grid or CloudEvents envelope's type and data as a candidate. The ACR event id is `data.id`
 * (the same id ACR's webhooks carry, so dedupe spans both routes); the envelope id is the fallback, and the
 * envelope time stands in for a missing `data.timestamp`. The action comes from the type; `location` and
 * any other field ACR's webhook payload lacks are dropped (acrEvent keeps only its own fields).
 */
export function systemEventCandidate(
  index: number,
  envelope: { readonly id: string; readonly type: string; readonly time: string | undefined; readonly data: unknown },
): Candidate {
  const action = actionOfType(envelope.type);
  if (!action) return { kind: 'ignore', index, id: envelope.id, reason: `${envelope.type} events are not reported` };
  const data = dataObject.safeParse(envelope.data);
  if (!data.success) return { kind: 'reject', index, id: envelope.id, message: `data: an ${envelope.type} event needs an object` };
  const d = data.data;
  const parsed = acrEvent.safeParse({
    ...d,
    id: typeof d['id'] === 'string' && d['id'] ? d['id'] : envelope.id,
    timestamp: typeof d['timestamp'] === 'string' ? d['timestamp'] : envelope.time,
    action,
  });
  if (parsed.success) return { kind: 'accept', index, event: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    kind: 'reject',
    index,
    id: envelope.id,
    message: issue ? `data.${issue.path.join('.') || 'event'}: ${issue.message}` : 'invalid event data',
  };
}
