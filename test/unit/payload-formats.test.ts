import { describe, expect, it } from 'vitest';
import { CloudEvent } from 'cloudevents';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPayload } from '../../shared/delivery/formats/render-payload.js';
import { bodySourceOf, renderFromEvent } from '../../shared/delivery/body-source.js';
import { acrEvent, imageOf, type AcrEvent } from '../../shared/events/acr-event.js';
import { acrPayload } from '../../shared/events/acr-payload.js';
import { PAYLOAD_FORMATS } from '../../shared/webhooks/webhook.js';
import { root } from '../helpers/service.js';
import { adaptiveCardProblems, slackProblems, type SlackMessage } from '../helpers/message-formats.js';

/*
 * The formats at the edges of what an event may hold (acr-event.ts's bounds): 256 platforms, names and
 * media types at their longest. The chat formats must stay inside their platforms' limits; CloudEvents
 * must type and address every action as ACR's Event Grid events do.
 */
const webhook = {
  name: 'unithook1',
  registryName: 'unitreg01',
  subscriptionId: '11111111-1111-1111-1111-111111111111',
  resourceGroup: 'rg1',
  location: 'westus',
};
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

const coalesced: AcrEvent = {
  id: 'e-1',
  timestamp: '2026-11-27T10:00:00Z',
  action: 'push',
  target: {
    mediaType: `application/${'x'.repeat(243)}`,
    digest: digest(1),
    repository: `${'a'.repeat(120)}/${'b'.repeat(135)}`,
    tag: 'w'.repeat(128),
    platforms: Array.from({ length: 256 }, (_, i) => ({
      digest: digest(i + 2),
      os: `os-${'o'.repeat(55)}`,
      architecture: `arch-${'r'.repeat(50)}`,
      variant: `v${i}`,
    })),
  },
};

const chart: AcrEvent = {
  id: 'e-2',
  timestamp: '2026-11-27T10:00:00Z',
  action: 'chart_delete',
  target: { repository: 'charts', digest: digest(9), name: '😀'.repeat(128), version: 'v'.repeat(256) },
};

describe('payload formats at their limits', () => {
  it('slack keeps Block Kit limits with 256 platforms and the longest names, counting what it leaves out', () => {
    for (const event of [coalesced, chart]) {
      const message = JSON.parse(renderPayload({ ...webhook, payloadFormat: 'slack' }, event).body) as SlackMessage & {
        blocks: { text?: { text: string } }[];
      };
      expect(slackProblems(message)).toEqual([]);
    }
    const message = JSON.parse(renderPayload({ ...webhook, payloadFormat: 'slack' }, coalesced).body) as {
      blocks: { type: string; text?: { text: string } }[];
    };
    const platforms = message.blocks.find((b) => b.text?.text.startsWith('Platforms: '))!.text!.text;
    expect(platforms).toMatch(/^Platforms: os-o+\/arch-r+\/v0, .* … and \d+ more$/);
    expect(platforms.length).toBeLessThanOrEqual(3000);
  });

  it('teams gives an Adaptive Card 1.4 the parser takes, whatever the lengths', () => {
    for (const event of [coalesced, chart]) {
      expect(adaptiveCardProblems(JSON.parse(renderPayload({ ...webhook, payloadFormat: 'teams' }, event).body) as object)).toEqual([]);
    }
  });

  it("cloudevents types each action as ACR's Event Grid does and names the image as {repository}:{tag} or @{digest}", () => {
    const render = (event: AcrEvent | { id: string; timestamp: string; action: 'ping' }) => {
      const rendered = renderPayload({ ...webhook, payloadFormat: 'cloudevents' }, event);
      expect(rendered.contentType).toBe('application/cloudevents+json');
      const body = JSON.parse(rendered.body) as Record<string, unknown>;
      expect(new CloudEvent(body as never, true).validate()).toBe(true);
      return [body['type'], body['subject']];
    };
    const base = { id: 'e-3', timestamp: '2026-11-27T10:00:00Z' };
    expect(render({ ...base, action: 'delete', target: { repository: 'app', digest: digest(3), tags: ['v1'] } })).toEqual([
      'Microsoft.ContainerRegistry.ImageDeleted',
      `app@${digest(3)}`,
    ]);
    expect(render({ ...base, action: 'chart_push', target: { repository: 'charts', tag: 'c-1.0', name: 'c', version: '1.0' } })).toEqual([
      'Microsoft.ContainerRegistry.ChartPushed',
      'charts:c-1.0',
    ]);
    expect(render(chart)).toEqual(['Microsoft.ContainerRegistry.ChartDeleted', `charts@${digest(9)}`]);
    expect(render({ ...base, action: 'quarantine', target: { repository: 'app', tag: 'v1' } })).toEqual([
      'registry-webhooks.ImageQuarantined',
      'app:v1',
    ]);
    expect(render({ ...base, action: 'ping' })).toEqual(['registry-webhooks.Ping', undefined]);
  });

  it('acr is the default and renders the payload as it is', () => {
    expect(renderPayload({ ...webhook, payloadFormat: undefined }, chart)).toEqual({
      body: JSON.stringify(chart),
      contentType: 'application/json',
    });
  });
});

describe('a body rendered again from its event row (issue 24)', () => {
  /** Events as the ingest accepts them (parsed with the schema), from the captured ACR payloads and the edge cases above. */
  const accepted = [
    ...['push', 'delete', 'chart-push'].map((f) =>
      acrEvent.parse(JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'acr', `${f}.json`), 'utf8'))),
    ),
    acrEvent.parse(coalesced),
    acrEvent.parse(chart),
    acrEvent.parse({
      ...coalesced,
      id: 'e-3',
      target: { ...coalesced.target, mediaType: 'application/vnd.oci.image.index.v1+json', url: 'https://r/v2/x' },
    }),
    acrEvent.parse({
      id: 'e-4',
      timestamp: 'Thu, 27 Nov 2026 10:00:00 GMT',
      action: 'quarantine',
      target: { repository: 'q', digest: digest(7), url: 'https://r/v2/q' },
    }),
  ];

  it('gives the same bytes, action and image in every format, from the JSON the event row keeps', () => {
    for (const payloadFormat of PAYLOAD_FORMATS) {
      const hook = { ...webhook, payloadFormat };
      for (const event of accepted) {
        const payload = acrPayload(event);
        expect(renderFromEvent(JSON.stringify(event), bodySourceOf(hook), hook.name)).toEqual({
          body: renderPayload(hook, payload).body,
          action: event.action,
          image: imageOf(payload),
        });
      }
    }
  });

  /*
   * A delivery row written with `bodyFrom` keeps no body: listEvents and redeliver render it again, for as
   * long as the row is kept (EVENT_RETENTION_DAYS), with whatever renderer the running version has. So a
   * renderer's bytes may never change for a `bodyFrom` that rows already hold, or every such row written
   * before the change would show (and redeliver) a body it never sent, its signature no longer matching.
   * These are the SHA-256 digests (first 16 hex digits) of the bodies above as the version that introduced
   * `bodyFrom` rendered them. A change of bytes that is wanted needs a new `bodyFrom` (say a `v` that
   * rows written before it lack) and the old renderer kept for the rows without it.
   */
  const PINNED: Record<string, readonly string[]> = {
    acr: [
      '306173f89da781b8',
      '8db7412b1cf8f181',
      'd4737155aa197e22',
      '5d6b73ce9a46e065',
      '947f80f5350e7191',
      'eaeaf278ad5d7622',
      '71bc71726777b2d0',
    ],
    cloudevents: [
      '0358acf8a0913f3d',
      '52c5d42d0e08d7a3',
      'f86be267d4c6478f',
      '4c3fc55e6f418c44',
      'ed3c67f7bec5469f',
      'b5331860855626f9',
      '2744e32566cad7ed',
    ],
    slack: [
      'f0f69c5d95fff53c',
      'd53c3f19af4e63ef',
      '27c24739f18062a0',
      'ce7812590387f83d',
      'dd766d04ca553a5e',
      '676248813adfa62d',
      '1206e2625234ae4e',
    ],
    teams: [
      '4fb22215211deda3',
      'f2703bb42dcea3dc',
      '3ceffbbcac71b793',
      'dcd6c12f1de4e104',
      'd22ed5461a57253c',
      'a82b72492e835ef3',
      'dbaeb75a2452f3ab',
    ],
  };

  it('renders the bytes rows written by earlier versions were sent with, in every format', () => {
    const digests = Object.fromEntries(
      PAYLOAD_FORMATS.map((payloadFormat) => {
        const hook = { ...webhook, payloadFormat };
        return [
          payloadFormat,
          accepted.map((event) => {
            const again = renderFromEvent(JSON.stringify(event), bodySourceOf(hook), hook.name);
            return createHash('sha256')
              .update(again?.body ?? '')
              .digest('hex')
              .slice(0, 16);
          }),
        ];
      }),
    );
    expect(digests).toEqual(PINNED);
  });

  it('renders nothing from a row that does not hold an event', () => {
    const source = bodySourceOf({ ...webhook, payloadFormat: undefined });
    expect(renderFromEvent('{"id":', source, webhook.name)).toBeUndefined();
    expect(renderFromEvent(JSON.stringify({ id: 'x', action: 'push' }), source, webhook.name)).toBeUndefined();
  });
});
