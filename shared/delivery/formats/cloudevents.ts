import { ACR_EVENT_TYPES, isSystemEventAction, systemEventData } from '../../events/acr-system-events.js';
import type { DeliveredEvent } from '../../events/acr-event.js';
import { registryId } from '../../webhooks/registry-id.js';
import type { PayloadRenderer } from './payload-format.js';

/*
 * CloudEvents 1.0, structured JSON mode (https://github.com/cloudevents/spec, json-format.md and the HTTP
 * binding: `content-type: application/cloudevents+json`), shaped as ACR's own Event Grid events in the
 * CloudEvents schema: `type` Microsoft.ContainerRegistry.ImagePushed etc., `source` the registry's ARM id,
 * `data` ACR's Event Grid data (the webhook payload plus `location`). A ping and a quarantine have no ACR
 * Event Grid type, so they are typed under our own name.
 */
const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';
const OWN_TYPES = { ping: 'registry-webhooks.Ping', quarantine: 'registry-webhooks.ImageQuarantined' } as const;

/** `{repository}:{tag}`, else `{repository}@{digest}`, else the repository; a ping has none. */
function subjectOf(payload: DeliveredEvent): string | undefined {
  if (payload.action === 'ping') return undefined;
  const t = payload.target;
  if (t.tag) return `${t.repository}:${t.tag}`;
  return t.digest ? `${t.repository}@${t.digest}` : t.repository;
}

function typeOf(action: DeliveredEvent['action']): string {
  if (action === 'ping' || action === 'quarantine') return OWN_TYPES[action];
  return isSystemEventAction(action) ? ACR_EVENT_TYPES[action] : action;
}

/** RFC 3339, as CloudEvents' `time` requires; a timestamp that does not parse is left out (it is optional). */
function timeOf(timestamp: string): string | undefined {
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export const renderCloudEvent: PayloadRenderer = (payload, webhook) => {
  const subject = subjectOf(payload);
  const time = timeOf(payload.timestamp);
  const event = {
    specversion: '1.0',
    id: payload.id,
    source: registryId(webhook),
    type: typeOf(payload.action),
    ...(subject ? { subject } : {}),
    ...(time ? { time } : {}),
    datacontenttype: 'application/json',
    data: payload.action === 'ping' ? payload : systemEventData(payload, webhook.location),
  };
  return { body: JSON.stringify(event), contentType: CLOUDEVENTS_CONTENT_TYPE };
};
