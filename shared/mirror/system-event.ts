import type { SendCloudEventInput, SendEventGridEventInput } from '@azure/eventgrid';
import type { AcrEvent } from '../events/acr-event.js';
import { ACR_EVENT_TYPES, subjectOf, type SystemEventAction } from '../events/acr-system-events.js';

/** One event to mirror, with what ACR's Event Grid event has beyond the webhook payload. */
export interface MirrorEvent {
  readonly event: AcrEvent & { readonly action: SystemEventAction };
  /** The registry's ARM id: CloudEvents `source` (ACR's system topic puts it in `topic`). */
  readonly registryId: string;
  /** The registry's region, ACR's `data.location`; omitted when not known. */
  readonly location: string | undefined;
}

/** ACR's `data`: the webhook payload plus `location`. */
export type SystemEventData = AcrEvent & { location?: string };

/** ACR's Event Grid schema uses dataVersion "2.0" for data with `location` (1.0 had none). */
const DATA_VERSION = '2.0';

function dataOf(m: MirrorEvent): SystemEventData {
  const { id, timestamp, action, ...rest } = m.event;
  return { id, timestamp, action, ...(m.location ? { location: m.location } : {}), ...rest };
}

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
    dataVersion: DATA_VERSION,
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
