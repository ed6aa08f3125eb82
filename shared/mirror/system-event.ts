import type { SendCloudEventInput, SendEventGridEventInput } from '@azure/eventgrid';
import type { AcrEvent } from '../events/acr-event.js';
import {
  ACR_EVENT_TYPES,
  subjectOf,
  SYSTEM_EVENT_DATA_VERSION,
  systemEventData,
  type SystemEventAction,
  type SystemEventData,
} from '../events/acr-system-events.js';

/** One event to mirror, with what ACR's Event Grid event has beyond the webhook payload. */
export interface MirrorEvent {
  readonly event: AcrEvent & { readonly action: SystemEventAction };
  /** The registry's ARM id: CloudEvents `source` (ACR's system topic puts it in `topic`). */
  readonly registryId: string;
  /** The registry's region, ACR's `data.location`; omitted when not known. */
  readonly location: string | undefined;
}

const dataOf = (m: MirrorEvent): SystemEventData => systemEventData(m.event, m.location);

const timeOf = (m: MirrorEvent) => new Date(m.event.timestamp);

/**
 * In the Event Grid schema. `topic` is left out: a custom topic rejects (400) any `topic` but its own ARM
 * id and stamps that id itself, so subscribers see the mirror topic there, not the registry.
 */
export function toEventGridEvent(m: MirrorEvent): SendEventGridEventInput<SystemEventData> {
  return {
    id: m.event.id,
    eventType: ACR_EVENT_TYPES[m.event.action],
    subject: subjectOf(m.event),
    eventTime: timeOf(m),
    dataVersion: SYSTEM_EVENT_DATA_VERSION,
    data: dataOf(m),
  };
}

/** In CloudEvents 1.0, as ACR's system topic delivers with the CloudEvents schema: `source` is the registry. */
export function toCloudEvent(m: MirrorEvent): SendCloudEventInput<SystemEventData> {
  return {
    id: m.event.id,
    type: ACR_EVENT_TYPES[m.event.action],
    source: m.registryId,
    subject: subjectOf(m.event),
    time: timeOf(m),
    datacontenttype: 'application/json',
    data: dataOf(m),
  };
}
