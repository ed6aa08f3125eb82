import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP, type CloudEvent } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.js';
import { adaptiveCardProblems, parsedCard, slackProblems, type SlackMessage } from '../helpers/message-formats.js';

/*
 * properties.payloadFormat (issue 23): one webhook per format on one scope, one push. Each receiver gets
 * its format: ACR's payload, a CloudEvent the CloudEvents SDK takes with strict validation, a Slack
 * message within Block Kit's limits, a Teams message whose card the Adaptive Cards 1.4 parser takes.
 * Signatures cover the body as sent; custom headers still apply.
 */
let svc: TestService;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  // One immediate retry: a retried delivery is read back from storage, so its bytes and content type travel there.
  svc = await startService({ DELIVERY_RETRY_SCHEDULE: '0' });
});
afterAll(async () => {
  await svc.close();
  await rx.close();
});

const REGISTRY = 'formatreg1';
const DIGEST = `sha256:${'c'.repeat(64)}`;
const FORMATS = { formatacr1: 'acr', formatce01: 'cloudevents', formatslk1: 'slack', formattms1: 'teams' } as const;
type HookName = keyof typeof FORMATS;

async function createHook(name: string, properties: Record<string, unknown>) {
  const res = await api(svc, `/registries/${REGISTRY}/webhooks/${name}`, {
    method: 'PUT',
    json: {
      location: 'westeurope',
      properties: { serviceUri: `${rx.url}/${name}`, actions: ['push', 'chart_push'], scope: 'team/*:*', ...properties },
    },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { properties: Record<string, unknown> };
}

async function secretOf(name: string): Promise<string> {
  const res = await api(svc, `/registries/${REGISTRY}/webhooks/${name}/getCallbackConfig`, { method: 'POST' });
  return ((await res.json()) as { signingSecret: string }).signingSecret;
}

function pushEvent(repository: string, tag: string) {
  return {
    id: randomUUID(),
    timestamp: '2026-11-27T10:00:00.123Z',
    action: 'push',
    target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 525, digest: DIGEST, length: 525, repository, tag },
    request: { id: randomUUID(), host: 'formatreg1.azurecr.io', method: 'PUT', useragent: 'docker/27.0' },
  };
}

async function ingest(body: unknown) {
  return api(svc, `/registries/${REGISTRY}/events`, { method: 'POST', key: INGEST_KEY, json: body });
}

const headersOf = (r: ReceivedRequest) =>
  Object.fromEntries(Object.entries(r.headers).filter((e): e is [string, string] => typeof e[1] === 'string'));

/** The one request a hook got for an event id (its webhook-id). */
function received(name: string, eventId: string): Promise<ReceivedRequest> {
  return eventually(
    () => Promise.resolve(rx.forPath(`/${name}`).find((r) => r.headers['webhook-id'] === eventId)),
    10_000,
    `${name} ${eventId}`,
  );
}

/** The CloudEvents SDK's reading of a request (structured mode by its content type); `validate()` is its strict check. */
function toCloudEvent(r: ReceivedRequest): CloudEvent<unknown> {
  expect(HTTP.isEvent({ headers: headersOf(r), body: r.body })).toBe(true);
  const read = HTTP.toEvent({ headers: headersOf(r), body: r.body });
  if (Array.isArray(read)) throw new Error('expected one event, not a batch');
  return read as CloudEvent<unknown>;
}

describe('payload formats', () => {
  it('creates a webhook per format, shows payloadFormat once set, and refuses an unknown one', async () => {
    for (const [name, payloadFormat] of Object.entries(FORMATS)) {
      const created = await createHook(name, {
        ...(payloadFormat === 'acr' ? {} : { payloadFormat: payloadFormat.toUpperCase() }),
        customHeaders: { 'X-Team': 'platform' },
      });
      if (payloadFormat === 'acr') expect(created.properties).not.toHaveProperty('payloadFormat');
      else expect(created.properties['payloadFormat']).toBe(payloadFormat);
    }
    const bad = await api(svc, `/registries/${REGISTRY}/webhooks/formatacr1`, {
      method: 'PATCH',
      json: { properties: { payloadFormat: 'discord' } },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: {
        code: 'InvalidParameter',
        message:
          "The request is invalid. properties.payloadFormat: payloadFormat must be one of acr, cloudevents, slack, teams (acr, ACR's own payload, when left out).",
        target: 'properties.payloadFormat',
      },
    });
  });

  it('one push: each receiver gets its format, signed over the body as sent, with the custom headers', async () => {
    const event = pushEvent('team/app', 'v1');
    expect((await ingest(event)).status).toBe(202);
    const got = {
      acr: await received('formatacr1', event.id),
      cloudevents: await received('formatce01', event.id),
      slack: await received('formatslk1', event.id),
      teams: await received('formattms1', event.id),
    };
    // Every one signed over the exact bytes it carries, with the custom header.
    for (const [format, request] of Object.entries(got)) {
      const name = Object.entries(FORMATS).find(([, f]) => f === format)![0];
      const secret = await secretOf(name);
      expect(new Webhook(secret).verify(request.body, headersOf(request))).toEqual(JSON.parse(request.body));
      expect(request.headers['x-team']).toBe('platform');
      expect(request.headers['user-agent']).toMatch(/^AzureContainerRegistry\//);
    }

    // acr: ACR's payload, as before formats.
    expect(got.acr.headers['content-type']).toBe('application/json');
    expect(JSON.parse(got.acr.body)).toEqual(event);

    // cloudevents: structured mode, ACR's Event Grid event in the CloudEvents schema.
    expect(got.cloudevents.headers['content-type']).toBe('application/cloudevents+json');
    expect(toCloudEvent(got.cloudevents).validate()).toBe(true);
    expect(JSON.parse(got.cloudevents.body)).toEqual({
      specversion: '1.0',
      id: event.id,
      source: `/subscriptions/${svc.config.defaultSubscriptionId}/resourceGroups/${svc.config.defaultResourceGroup}/providers/Microsoft.ContainerRegistry/registries/${REGISTRY}`,
      type: 'Microsoft.ContainerRegistry.ImagePushed',
      subject: 'team/app:v1',
      time: '2026-11-27T10:00:00.123Z',
      datacontenttype: 'application/json',
      data: { ...event, location: 'westeurope' },
    });

    // slack: an incoming-webhook message within Block Kit's limits.
    expect(got.slack.headers['content-type']).toBe('application/json');
    const slack = JSON.parse(got.slack.body) as SlackMessage;
    expect(slackProblems(slack)).toEqual([]);
    expect(slack).toEqual({
      text: 'Image pushed: team/app:v1 (registry formatreg1)',
      mrkdwn: false,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Image pushed', emoji: false } },
        {
          type: 'section',
          fields: [
            { type: 'plain_text', text: 'Registry: formatreg1', emoji: false },
            { type: 'plain_text', text: 'Image: team/app:v1', emoji: false },
            { type: 'plain_text', text: `Digest: ${DIGEST}`, emoji: false },
            { type: 'plain_text', text: 'Media type: application/vnd.oci.image.manifest.v1+json', emoji: false },
          ],
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: '<!date^1795773600^{date_short_pretty} at {time_secs}|2026-11-27T10:00:00.123Z>' },
            { type: 'plain_text', text: `Event ${event.id}`, emoji: false },
          ],
        },
      ],
    });

    // teams: a message with one Adaptive Card 1.4 that the official parser takes whole.
    expect(got.teams.headers['content-type']).toBe('application/json');
    const teams = JSON.parse(got.teams.body) as Parameters<typeof adaptiveCardProblems>[0];
    expect(adaptiveCardProblems(teams)).toEqual([]);
    const fact = (label: string, value: string) => ({
      type: 'RichTextBlock',
      spacing: 'Small',
      inlines: [
        { type: 'TextRun', text: `${label}: `, weight: 'Bolder' },
        { type: 'TextRun', text: value },
      ],
    });
    expect(teams).toEqual({
      type: 'message',
      summary: 'Image pushed: team/app:v1 (registry formatreg1)',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              { type: 'TextBlock', text: 'Image pushed', weight: 'Bolder', size: 'Medium', wrap: true },
              fact('Registry', 'formatreg1'),
              fact('Image', 'team/app:v1'),
              fact('Digest', DIGEST),
              fact('Media type', 'application/vnd.oci.image.manifest.v1+json'),
              {
                type: 'RichTextBlock',
                inlines: [{ type: 'TextRun', text: `2026-11-27T10:00:00.123Z · event ${event.id}`, isSubtle: true, size: 'Small' }],
              },
            ],
          },
        },
      ],
    });

    // listEvents keeps each body as sent, its content type, and the event's action and image.
    for (const [name, format] of Object.entries(FORMATS)) {
      const res = await api(svc, `/registries/${REGISTRY}/webhooks/${name}/listEvents`, { method: 'POST' });
      const [item] = ((await res.json()) as { value: Record<string, Record<string, unknown>>[] }).value;
      const request = got[format];
      expect(item!['eventRequestMessage']!['content']).toEqual(JSON.parse(request.body));
      expect((item!['eventRequestMessage']!['headers'] as Record<string, string>)['content-type']).toBe(request.headers['content-type']);
      expect(item!['delivery']).toMatchObject({ state: 'succeeded', action: 'push', image: 'team/app:v1' });
    }
  });

  it('a redelivery sends the recorded body and content type again, signed over the same bytes', async () => {
    const event = pushEvent('team/web', 'v2');
    expect((await ingest(event)).status).toBe(202);
    const first = await received('formatce01', event.id);
    // A later change of format does not change what a redelivery of the recorded event carries.
    await api(svc, `/registries/${REGISTRY}/webhooks/formatce01`, { method: 'PATCH', json: { properties: { payloadFormat: 'slack' } } });
    const res = await api(svc, `/registries/${REGISTRY}/webhooks/formatce01/events/${event.id}/redeliver`, { method: 'POST' });
    expect(res.status).toBe(200);
    const again = rx.forPath('/formatce01').filter((r) => r.headers['webhook-id'] === event.id);
    expect(again).toHaveLength(2);
    expect(again[1]!.body).toBe(first.body);
    expect(again[1]!.headers['content-type']).toBe('application/cloudevents+json');
    expect(new Webhook(await secretOf('formatce01')).verify(again[1]!.body, headersOf(again[1]!))).toEqual(JSON.parse(first.body));
    // New events follow the new format.
    const next = pushEvent('team/web', 'v3');
    expect((await ingest(next)).status).toBe(202);
    const slack = await received('formatce01', next.id);
    expect(slackProblems(JSON.parse(slack.body) as SlackMessage)).toEqual([]);
    await api(svc, `/registries/${REGISTRY}/webhooks/formatce01`, {
      method: 'PATCH',
      json: { properties: { payloadFormat: 'cloudevents' } },
    });
  });

  it('a retry, read back from storage by the delivery worker, sends the same bytes with the same content type', async () => {
    await createHook('retryce01', { payloadFormat: 'cloudevents', scope: 'retry/*:*' });
    rx.script.push({ status: 503, body: 'busy' });
    const event = pushEvent('retry/app', 'v1');
    expect((await ingest(event)).status).toBe(202);
    const [first, second] = await rx.waitFor(2, 10_000, '/retryce01');
    expect(second!.body).toBe(first!.body);
    expect([first!.headers['content-type'], second!.headers['content-type']]).toEqual([
      'application/cloudevents+json',
      'application/cloudevents+json',
    ]);
    expect(toCloudEvent(second!).validate()).toBe(true);
    expect(new Webhook(await secretOf('retryce01')).verify(second!.body, headersOf(second!))).toEqual(JSON.parse(first!.body));
    const item = await eventually(async () => {
      const res = await api(svc, `/registries/${REGISTRY}/webhooks/retryce01/listEvents`, { method: 'POST' });
      const [listed] = ((await res.json()) as { value: { delivery: { state: string; attempts: number } }[] }).value;
      return listed?.delivery.state === 'succeeded' ? listed : undefined;
    });
    expect(item.delivery).toMatchObject({ state: 'succeeded', attempts: 2 });
  });

  it('a coalesced multi-arch push lists its platforms in a Slack message and a Teams card', async () => {
    for (const [name, payloadFormat] of [
      ['multislk1', 'slack'],
      ['multitms1', 'teams'],
    ] as const)
      await createHook(name, { payloadFormat, multiArch: 'coalesced', scope: 'multi/*:*' });
    const index = {
      ...pushEvent('multi/app', 'v1'),
      target: {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        size: 700,
        digest: DIGEST,
        length: 700,
        repository: 'multi/app',
        tag: 'v1',
        platforms: [
          { digest: `sha256:${'d'.repeat(64)}`, os: 'linux', architecture: 'amd64' },
          { digest: `sha256:${'e'.repeat(64)}`, os: 'linux', architecture: 'arm64', variant: 'v8' },
        ],
      },
    };
    expect((await ingest(index)).status).toBe(202);
    const slack = JSON.parse((await received('multislk1', index.id)).body) as SlackMessage;
    expect(slackProblems(slack)).toEqual([]);
    expect(slack.blocks).toContainEqual({
      type: 'section',
      text: { type: 'plain_text', text: 'Platforms: linux/amd64, linux/arm64/v8', emoji: false },
    });
    const teams = JSON.parse((await received('multitms1', index.id)).body) as Parameters<typeof adaptiveCardProblems>[0] & {
      attachments: { content: { body: unknown[] } }[];
    };
    expect(adaptiveCardProblems(teams)).toEqual([]);
    expect(teams.attachments[0]!.content.body).toContainEqual({
      type: 'RichTextBlock',
      spacing: 'Small',
      inlines: [
        { type: 'TextRun', text: 'Platforms: ', weight: 'Bolder' },
        { type: 'TextRun', text: 'linux/amd64, linux/arm64/v8' },
      ],
    });
  });

  it('a ping comes in each format: a CloudEvent of our own Ping type, a Slack message, a Teams card', async () => {
    const ping = async (name: HookName) => {
      const res = await api(svc, `/registries/${REGISTRY}/webhooks/${name}/ping`, { method: 'POST' });
      expect(res.status).toBe(200);
      return received(name, ((await res.json()) as { id: string }).id);
    };
    const ce = await ping('formatce01');
    const event = toCloudEvent(ce);
    expect(event.validate()).toBe(true);
    expect(JSON.parse(ce.body)).toEqual({
      specversion: '1.0',
      id: event.id,
      source: expect.stringMatching(/\/providers\/Microsoft\.ContainerRegistry\/registries\/formatreg1$/),
      type: 'registry-webhooks.Ping',
      time: expect.any(String),
      datacontenttype: 'application/json',
      data: { id: event.id, timestamp: expect.any(String), action: 'ping' },
    });
    const slack = JSON.parse((await ping('formatslk1')).body) as SlackMessage & { text: string };
    expect(slackProblems(slack)).toEqual([]);
    expect(slack.text).toBe('Ping from registry-webhooks: webhook formatslk1 of registry formatreg1 reaches this channel');
    const teams = JSON.parse((await ping('formattms1')).body) as Parameters<typeof adaptiveCardProblems>[0];
    expect(adaptiveCardProblems(teams)).toEqual([]);
  });
});

describe('hostile values in chat formats', () => {
  const MARKUP = ['<!channel>', '*boom*', '[x](javascript:alert(1))', '<at>everyone</at>', '<@U012AB3CD|x>', '_it_', '&amp;'];

  /** Every text object of a Slack message, with where it sits. */
  function slackTexts(message: SlackMessage) {
    return (message.blocks ?? []).flatMap(
      (b) => [b.text, ...(b.fields ?? []), ...(b.elements ?? [])].filter(Boolean) as { type: string; text: string }[],
    );
  }

  /** Every element of a card body, depth first. */
  function cardElements(node: unknown): { type?: string; text?: string }[] {
    if (Array.isArray(node)) return node.flatMap(cardElements);
    if (typeof node !== 'object' || node === null) return [];
    const own = node as { type?: string; text?: string };
    return [own, ...Object.values(node).flatMap(cardElements)];
  }

  it('markup in a chart name, a version and a media type reaches Slack and Teams as text, never as markup; invalid names are refused, never a 5xx', async () => {
    const chart = {
      id: randomUUID(),
      timestamp: '2026-11-27T11:00:00Z',
      action: 'chart_push',
      target: {
        mediaType: `application/x-${MARKUP.join(' ')}`,
        size: 10,
        digest: DIGEST,
        repository: 'team/charts',
        tag: '1.0.0',
        name: MARKUP.slice(0, 4).join(' '),
        version: MARKUP.slice(4).join(' '),
      },
    };
    // Names that are markdown where markdown is read (Teams: __bold__), valid in a registry.
    const underscores = pushEvent('team/my__app__x', '__init__');
    const res = await ingest([chart, underscores, pushEvent('team/<!channel>', 'v1'), pushEvent('team/app', '*x*')]);
    expect(res.status).toBe(202);
    const report = (await res.json()) as { accepted: unknown[]; rejected: { index: number; message: string }[] };
    expect(report.accepted).toHaveLength(2);
    expect(report.rejected).toEqual([
      { index: 2, id: expect.any(String), message: 'target.repository: must be a lowercase repository name' },
      { index: 3, id: expect.any(String), message: 'target.tag: must be a tag (letters, digits, _ . -)' },
    ]);

    for (const event of [chart, underscores]) {
      const slackRequest = await received('formatslk1', event.id);
      const slack = JSON.parse(slackRequest.body) as SlackMessage & { text: string; mrkdwn: boolean };
      expect(slackProblems(slack)).toEqual([]);
      // The event's values sit in plain_text only; the one mrkdwn element is the time, which is ours.
      for (const t of slackTexts(slack)) {
        if (t.type === 'mrkdwn') expect(t.text).toMatch(/^<!date\^\d+\^\{date_short_pretty\} at \{time_secs\}\|[\d:.TZ-]+>$/);
        else expect(t.type).toBe('plain_text');
      }
      // The notification text is sent unformatted, its control characters escaped: no mention, no link.
      expect(slack.mrkdwn).toBe(false);
      expect(slack.text).not.toMatch(/[<>]/);

      const teamsRequest = await received('formattms1', event.id);
      const teams = JSON.parse(teamsRequest.body) as { attachments: { content: { body: unknown[] } }[] };
      expect(adaptiveCardProblems(teams)).toEqual([]);
      // Values only in TextRuns (never read as markdown); the TextBlock is the title alone.
      const elements = cardElements(teams.attachments[0]!.content.body);
      expect(elements.filter((e) => e.type === 'TextBlock').map((e) => e.text)).toEqual([
        event.action === 'chart_push' ? 'Helm chart pushed' : 'Image pushed',
      ]);
      expect(elements.filter((e) => typeof e.text === 'string').every((e) => e.type === 'TextRun' || e.type === 'TextBlock')).toBe(true);
      expect(cardElements(parsedCard(teams.attachments[0]!.content))).toEqual(
        expect.arrayContaining(elements.filter((e) => e.type === 'TextRun')),
      );

      const ce = toCloudEvent(await received('formatce01', event.id));
      expect(ce.validate()).toBe(true);
    }
    const slack = JSON.parse((await received('formatslk1', chart.id)).body) as SlackMessage & { text: string };
    expect(slack.text).toBe(
      'Helm chart pushed: &lt;!channel&gt; *boom* [x](javascript:alert(1)) &lt;at&gt;everyone&lt;/at&gt;:&lt;@U012AB3CD|x&gt; _it_ &amp;amp; (registry formatreg1)',
    );
    expect(slackTexts(slack)).toContainEqual({
      type: 'plain_text',
      text: `Chart: ${chart.target.name}:${chart.target.version}`,
      emoji: false,
    });
    const teams = JSON.parse((await received('formattms1', chart.id)).body) as { attachments: { content: { body: unknown[] } }[] };
    expect(cardElements(teams.attachments[0]!.content.body)).toContainEqual({ type: 'TextRun', text: chart.target.mediaType });
  });
});
