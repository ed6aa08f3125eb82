import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers/service.js';
import { eventListSchema, webhookSchema } from '../../cli/client/schemas.js';
import { eventHttpStatus, eventImage } from '../../shared/webhooks/acr-conventions.js';
import { configRow, EVENT_COLUMNS, eventRow, formatTimestamp, pingRow, webhookRow } from '../../cli/format/rows.js';
import { renderTable } from '../../cli/format/table.js';
import { toTsv } from '../../cli/format/tsv.js';
import { renderOutput } from '../../cli/format/output.js';
import { flattenWebhook } from '../../cli/format/flatten-webhook.js';
import { parseKeyValues } from '../../cli/options/key-values.js';
import { updateBody } from '../../cli/commands/webhook-update.js';
import { sampleEvent } from '../../cli/sample-event.js';

const events = eventListSchema.parse(JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'webhook-events.json'), 'utf8'))).value;
const [push, del, ping] = events as [(typeof events)[0], (typeof events)[0], (typeof events)[0]];

const webhook = webhookSchema.parse({
  id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg/providers/Microsoft.ContainerRegistry/registries/myregistry/webhooks/myhook01',
  name: 'myhook01',
  type: 'Microsoft.ContainerRegistry/registries/webhooks',
  location: 'westus',
  tags: { team: 'platform' },
  systemData: { createdAt: '2024-05-01T12:00:00.000Z', lastModifiedAt: '2024-05-01T12:00:00.000Z' },
  properties: { status: 'enabled', scope: 'hello-world:*', actions: ['push', 'delete'], provisioningState: 'Succeeded' },
});

describe('list-events rows (az: ID ACTION IMAGE HTTP STATUS TIMESTAMP)', () => {
  it('shows a push as repo:tag with "200 OK" and a seconds-precision UTC timestamp', () => {
    expect(eventRow(push)).toEqual({
      ID: '8b8f9e8b-2e44-4c1b-9b54-2f6b2b0a6f01',
      ACTION: 'push',
      IMAGE: 'hello-world:v1',
      'HTTP STATUS': '200 OK',
      TIMESTAMP: '2024-05-01T12:34:56Z',
    });
  });

  it('shows a delete (no tag, as ACR sends it) as the repository alone', () => {
    expect(eventRow(del)).toEqual({
      ID: '5d1b6c1e-7a1f-4f0a-8c2e-2b9f4c3d2e02',
      ACTION: 'delete',
      IMAGE: 'hello-world',
      'HTTP STATUS': '503 Service Unavailable',
      TIMESTAMP: '2024-05-01T12:30:00Z',
    });
  });

  it('leaves IMAGE and HTTP STATUS empty for a ping that got no response', () => {
    expect(eventRow(ping)).toEqual({
      ID: '0f0e0d0c-1111-4222-8333-444455556603',
      ACTION: 'ping',
      IMAGE: '',
      'HTTP STATUS': '',
      TIMESTAMP: '2024-05-01T12:00:00Z',
    });
  });

  it('uses whichever of code and reason is known', () => {
    expect(eventHttpStatus({ eventResponseMessage: { statusCode: '418' } })).toBe('418');
    expect(eventHttpStatus({ eventResponseMessage: { reasonPhrase: 'Timeout' } })).toBe('Timeout');
    expect(eventImage({ eventRequestMessage: { content: { target: { tag: 'v1' } } } })).toBe('');
  });

  it('keeps a timestamp it cannot parse as it is', () => {
    expect(formatTimestamp('yesterday')).toBe('yesterday');
    expect(formatTimestamp(undefined)).toBe('');
  });

  it('renders the whole events table as az lays it out', () => {
    expect(renderTable(EVENT_COLUMNS, events.map(eventRow))).toBe(
      [
        'ID                                    ACTION  IMAGE           HTTP STATUS              TIMESTAMP',
        '------------------------------------  ------  --------------  -----------------------  --------------------',
        '8b8f9e8b-2e44-4c1b-9b54-2f6b2b0a6f01  push    hello-world:v1  200 OK                   2024-05-01T12:34:56Z',
        '5d1b6c1e-7a1f-4f0a-8c2e-2b9f4c3d2e02  delete  hello-world     503 Service Unavailable  2024-05-01T12:30:00Z',
        '0f0e0d0c-1111-4222-8333-444455556603  ping                                             2024-05-01T12:00:00Z',
        '',
      ].join('\n'),
    );
  });
});

describe('webhook, config and ping rows', () => {
  it('maps the az columns', () => {
    expect(webhookRow(webhook)).toEqual({
      NAME: 'myhook01',
      LOCATION: 'westus',
      ACTIONS: 'push, delete',
      SCOPE: 'hello-world:*',
      STATUS: 'enabled',
    });
    expect(configRow({ serviceUri: 'https://e.example.com', customHeaders: { Authorization: 'Basic x', 'X-A': 'b' } })).toEqual({
      'SERVICE URI': 'https://e.example.com',
      HEADERS: 'Authorization: Basic x, X-A: b',
    });
    expect(pingRow({ id: 'abc' })).toEqual({ ID: 'abc' });
  });

  it('flattens a webhook the way az prints it', () => {
    expect(flattenWebhook(webhook)).toEqual({
      id: webhook.id,
      name: 'myhook01',
      type: 'Microsoft.ContainerRegistry/registries/webhooks',
      location: 'westus',
      tags: { team: 'platform' },
      systemData: { createdAt: '2024-05-01T12:00:00.000Z', lastModifiedAt: '2024-05-01T12:00:00.000Z' },
      status: 'enabled',
      scope: 'hello-world:*',
      actions: ['push', 'delete'],
      provisioningState: 'Succeeded',
      resourceGroup: 'my-rg',
    });
  });
});

describe('output formats', () => {
  const result = { json: { b: [1, 2], a: 'x', c: { z: 1 }, d: true, e: null }, columns: ['A'], rows: [{ A: 'x' }] };

  it('json sorts keys recursively', () => {
    expect(renderOutput({ ...result, json: { b: { d: 1, c: 2 }, a: 1 } }, 'json')).toBe(
      '{\n  "a": 1,\n  "b": {\n    "c": 2,\n    "d": 1\n  }\n}\n',
    );
  });

  it('tsv follows knack: sorted values, list length, empty field for objects and null', () => {
    expect(toTsv(result.json)).toBe('x\t2\t\tTrue\t\n');
    expect(toTsv([{ b: 2, a: 1 }, 'plain'])).toBe('1\t2\nplain\n');
  });

  it('table prints nothing for no rows, and none prints nothing at all', () => {
    expect(renderTable(['A'], [])).toBe('');
    expect(renderOutput(result, 'none')).toBe('');
  });
});

describe('key=value lists (--headers, --tags)', () => {
  it("splits on the first '=', takes a bare key as empty, and reads a lone '' as clear", () => {
    expect(parseKeyValues(['Authorization=Basic a=b=', 'X-Empty', 'k='])).toEqual({ Authorization: 'Basic a=b=', 'X-Empty': '', k: '' });
    expect(parseKeyValues([''])).toEqual({});
  });
});

describe('update body', () => {
  const base = { name: 'h', registry: 'r', endpoint: 'http://x', output: 'json' as const };

  it('is sparse: only the options given', () => {
    expect(updateBody({ ...base, status: 'disabled' })).toEqual({ properties: { status: 'disabled' } });
    expect(updateBody({ ...base, headers: [''], tags: ['a=b'] })).toEqual({ tags: { a: 'b' }, properties: { customHeaders: {} } });
    expect(updateBody({ ...base, scope: '' })).toEqual({ properties: { scope: '' } });
    expect(updateBody({ ...base, multiArch: 'coalesced' })).toEqual({ properties: { multiArch: 'coalesced' } });
    expect(updateBody({ ...base, rateLimit: 20 })).toEqual({ properties: { rateLimitPerSecond: 20 } });
    // `--rate-limit none` removes the limit: null, as the API's PATCH takes it.
    expect(updateBody({ ...base, rateLimit: 'none' })).toEqual({ properties: { rateLimitPerSecond: null } });
    expect(updateBody({ ...base, payloadFormat: 'cloudevents' })).toEqual({ properties: { payloadFormat: 'cloudevents' } });
    // `--skip-referrers false` is sent: it turns the skip off again.
    expect(updateBody({ ...base, skipReferrers: false })).toEqual({ properties: { skipReferrers: false } });
    expect(updateBody({ ...base, endpointType: 'EventHub', connectionString: '', queueTtl: -1 })).toEqual({
      properties: { endpointType: 'EventHub', connectionString: '', queueMessageTimeToLiveSeconds: -1 },
    });
    expect(updateBody(base)).toEqual({});
  });
});

describe('event send sample', () => {
  const now = new Date('2024-05-01T12:00:00.000Z');
  const uuid = expect.stringMatching(/^[0-9a-f-]{36}$/);

  it('builds an ACR push event', () => {
    expect(sampleEvent({ action: 'push', repository: 'hello-world', tag: 'v1', registryHost: 'myregistry.azurecr.io', now })).toEqual({
      id: uuid,
      timestamp: '2024-05-01T12:00:00.000Z',
      action: 'push',
      target: {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        size: 524,
        digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        length: 524,
        repository: 'hello-world',
        tag: 'v1',
      },
      request: { id: uuid, host: 'myregistry.azurecr.io', method: 'PUT', useragent: 'registry-webhooks-cli' },
    });
  });

  it('builds an ACR delete event: digest and repository, no tag', () => {
    const event = sampleEvent({ action: 'delete', repository: 'hello-world', digest: 'sha256:abc', registryHost: 'r.azurecr.io', now });
    expect(event.target).toEqual({
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      digest: 'sha256:abc',
      repository: 'hello-world',
    });
    expect(event.request.method).toBe('DELETE');
  });
});
