import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventGridAdapter } from '../../shared/events/normalize-eventgrid.js';
import { cloudEventsAdapter } from '../../shared/events/normalize-cloudevents.js';
import { acrAdapter } from '../../shared/events/normalize-acr.js';
import { inputAdapters } from '../../shared/events/input-adapters.js';
import { subjectOf } from '../../shared/events/acr-system-events.js';
import type { AcrEvent } from '../../shared/events/acr-event.js';
import { toCloudEvent, toEventGridEvent, type MirrorEvent } from '../../shared/mirror/system-event.js';
import { mirrorRetryDelay } from '../../shared/mirror/mirror-events.js';
import { ConfigError, loadConfig } from '../../shared/config.js';
import { root } from '../helpers/service.js';

const fixture = (path: string): unknown => JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'eventgrid', path), 'utf8'));
const headers = (h: Record<string, string>) => new Headers(h);
const none = headers({});

/** What ACR's webhooks send for the same event: Event Grid's data without `location`. */
function webhookPayload(data: Record<string, unknown>): Record<string, unknown> {
  const { location: _location, ...rest } = data;
  return rest;
}

describe('Event Grid schema (ACR system topic deliveries)', () => {
  const events = fixture('eventgrid-schema.json') as { id: string; data: Record<string, unknown> }[];

  it('is recognised by the aeg-event-type header or by the body, before plain ACR events', () => {
    expect(eventGridAdapter.accepts('application/json; charset=utf-8', none)).toBe(true);
    expect(eventGridAdapter.recognizes?.(events, none)).toBe(true);
    expect(eventGridAdapter.recognizes?.({}, headers({ 'aeg-event-type': 'Notification' }))).toBe(true);
    const acrPush = { id: 'x', timestamp: '2026-01-01T00:00:00Z', action: 'push', target: { repository: 'a' } };
    expect(eventGridAdapter.recognizes?.([acrPush], none)).toBe(false);
    expect(inputAdapters.findIndex((a) => a === eventGridAdapter)).toBeLessThan(inputAdapters.findIndex((a) => a === acrAdapter));
    expect(eventGridAdapter.validation?.(events, none)).toBeUndefined();
  });

  it('turns ImagePushed, ImageDeleted, ChartPushed and ChartDeleted into ACR events with data.id as their id', () => {
    expect(eventGridAdapter.normalize(events)).toEqual([
      { kind: 'accept', index: 0, event: webhookPayload(events[0]!.data) },
      { kind: 'accept', index: 1, event: webhookPayload(events[1]!.data) },
      { kind: 'accept', index: 2, event: webhookPayload(events[2]!.data) },
      { kind: 'accept', index: 3, event: webhookPayload(events[3]!.data) },
    ]);
  });

  it('falls back to the envelope id and time, ignores other event types and rejects bad data', () => {
    const [push] = events;
    const { id: _id, timestamp: _ts, ...data } = push!.data;
    const r = eventGridAdapter.normalize([
      { ...push, data },
      { ...push, id: 'e2', eventType: 'Microsoft.Storage.BlobCreated' },
      { ...push, id: 'e3', data: { ...push!.data, target: { repository: 'UPPER' } } },
      { id: 'e4' },
    ]);
    expect(r).toEqual([
      { kind: 'accept', index: 0, event: { ...webhookPayload(data), id: push!.id, timestamp: '2018-04-25T21:39:47.6549614Z' } },
      { kind: 'ignore', index: 1, id: 'e2', reason: 'Microsoft.Storage.BlobCreated events are not reported' },
      { kind: 'reject', index: 2, id: 'e3', message: expect.stringContaining('data.target.repository') },
      { kind: 'reject', index: 3, id: 'e4', message: expect.stringContaining('eventType') },
    ]);
    expect(eventGridAdapter.normalize({})).toEqual({ error: 'An Event Grid delivery must be a JSON array of events.' });
  });

  it('answers the subscription validation event with its code', () => {
    const validation = fixture('subscription-validation.json');
    const h = headers({ 'aeg-event-type': 'SubscriptionValidation' });
    expect(eventGridAdapter.validation?.(validation, h)).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    expect(eventGridAdapter.validation?.(events, h)).toEqual({
      error: 'aeg-event-type is SubscriptionValidation but the body has no Microsoft.EventGrid.SubscriptionValidationEvent.',
    });
  });
});

describe('CloudEvents 1.0 (structured and batched)', () => {
  const event = fixture('cloudevent-image-pushed.json') as { data: Record<string, unknown> };

  it('takes application/cloudevents+json and application/cloudevents-batch+json', () => {
    expect(cloudEventsAdapter.accepts('application/cloudevents+json; charset=utf-8', none)).toBe(true);
    expect(cloudEventsAdapter.accepts('application/cloudevents-batch+json', none)).toBe(true);
    expect(cloudEventsAdapter.accepts('application/json', none)).toBe(false);
    expect(cloudEventsAdapter.normalize(event)).toEqual([{ kind: 'accept', index: 0, event: webhookPayload(event.data) }]);
    expect(cloudEventsAdapter.normalize([event, { ...event, specversion: '0.3' }])).toEqual([
      { kind: 'accept', index: 0, event: webhookPayload(event.data) },
      { kind: 'reject', index: 1, id: '831e1650-001e-001b-66ab-eeb76e069632', message: 'specversion: specversion must be "1.0"' },
    ]);
  });
});

describe('the mirror’s events: ACR’s own Event Grid events', () => {
  const base = {
    id: 'ev-1',
    timestamp: '2026-11-27T10:00:00.000Z',
    target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, repository: 'team/app' },
  };
  const registryId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/myreg';

  it('uses repo:tag for pushes, repo for deletes and chart:version for charts', () => {
    const ev = (action: AcrEvent['action'], target: Partial<AcrEvent['target']>): AcrEvent => ({
      ...base,
      action,
      target: { ...base.target, ...target },
    });
    expect(subjectOf(ev('push', { tag: 'v1' }))).toBe('team/app:v1');
    expect(subjectOf(ev('push', {}))).toBe('team/app');
    expect(subjectOf(ev('delete', { tags: ['v1'] }))).toBe('team/app');
    expect(subjectOf(ev('chart_push', { name: 'mychart', version: '1.0.0', tag: 'mychart-1.0.0.tgz' }))).toBe('mychart:1.0.0');
  });

  it('maps to the Event Grid schema (no topic: Event Grid stamps its own) and to CloudEvents (source = registry)', () => {
    const m: MirrorEvent = { event: { ...base, action: 'push', target: { ...base.target, tag: 'v1' } }, registryId, location: 'westus' };
    const data = { id: 'ev-1', timestamp: base.timestamp, action: 'push', location: 'westus', target: { ...base.target, tag: 'v1' } };
    expect(toEventGridEvent(m)).toEqual({
      id: 'ev-1',
      eventType: 'Microsoft.ContainerRegistry.ImagePushed',
      subject: 'team/app:v1',
      eventTime: new Date(base.timestamp),
      dataVersion: '2.0',
      data,
    });
    expect(toCloudEvent(m)).toEqual({
      id: 'ev-1',
      type: 'Microsoft.ContainerRegistry.ImagePushed',
      source: registryId,
      subject: 'team/app:v1',
      time: new Date(base.timestamp),
      datacontenttype: 'application/json',
      data,
    });
    expect(toEventGridEvent({ ...m, location: undefined }).data).not.toHaveProperty('location');
  });

  it('retries on its schedule, repeating the last delay', () => {
    expect([1, 2, 3, 4, 9].map((n) => mirrorRetryDelay([5, 30, 300], n))).toEqual([5, 30, 300, 300, 300]);
  });
});

describe('mirror settings', () => {
  const env = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', MANAGEMENT_KEYS: 'a'.repeat(16), INGEST_KEYS: 'b'.repeat(16) };

  it('is off without an endpoint, and an endpoint alone means Entra ID in the Event Grid schema', () => {
    expect(loadConfig(env).eventGrid).toBeUndefined();
    expect(loadConfig({ ...env, EVENTGRID_TOPIC_ENDPOINT: '', EVENTGRID_SCHEMA: '' }).eventGrid).toBeUndefined();
    expect(loadConfig({ ...env, EVENTGRID_TOPIC_ENDPOINT: 'https://t.westus-1.eventgrid.azure.net/api/events' }).eventGrid).toEqual({
      endpoint: 'https://t.westus-1.eventgrid.azure.net/api/events',
      key: undefined,
      schema: 'EventGrid',
      retrySchedule: [5, 30, 60, 300, 900, 1800, 3600],
    });
    expect(
      loadConfig({
        ...env,
        EVENTGRID_TOPIC_ENDPOINT: 'http://127.0.0.1:8080/api/events',
        EVENTGRID_TOPIC_KEY: 'k',
        EVENTGRID_SCHEMA: 'CloudEvent',
        EVENTGRID_RETRY_SCHEDULE: '1, 2',
      }).eventGrid,
    ).toEqual({ endpoint: 'http://127.0.0.1:8080/api/events', key: 'k', schema: 'CloudEvent', retrySchedule: [1, 2] });
  });

  it.each([
    [
      { EVENTGRID_TOPIC_ENDPOINT: 'http://t.westus-1.eventgrid.azure.net/api/events' },
      'must be https (plain http is accepted only for a loopback host',
    ],
    [{ EVENTGRID_TOPIC_ENDPOINT: 'not a url' }, 'EVENTGRID_TOPIC_ENDPOINT must be a URL'],
    [
      { EVENTGRID_TOPIC_ENDPOINT: 'https://t/api/events', EVENTGRID_SCHEMA: 'EventGridSchema' },
      'EVENTGRID_SCHEMA must be EventGrid (the default) or CloudEvent',
    ],
    [{ EVENTGRID_TOPIC_KEY: 'k' }, 'EVENTGRID_TOPIC_KEY is set but EVENTGRID_TOPIC_ENDPOINT is not'],
    [
      { EVENTGRID_TOPIC_ENDPOINT: 'https://t/api/events', EVENTGRID_RETRY_SCHEDULE: '5,0.5' },
      'EVENTGRID_RETRY_SCHEDULE must be comma-separated whole seconds',
    ],
  ])('refuses %o', (settings, message) => {
    expect(() => loadConfig({ ...env, ...settings })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, ...settings })).toThrow(message);
  });
});
