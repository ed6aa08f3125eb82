import { describe, expect, it } from 'vitest';
import { matchWebhooks, scopeMatches } from '../../shared/pipeline/match.js';
import type { AcrEvent } from '../../shared/events/acr-event.js';
import type { WebhookRecord } from '../../shared/webhooks/webhook.js';

const push = (repository: string, tag?: string): AcrEvent => ({
  id: '1',
  timestamp: 't',
  action: 'push',
  target: { repository, ...(tag ? { tag } : {}) },
});
const del = (repository: string, tags?: string[]): AcrEvent => ({
  id: '2',
  timestamp: 't',
  action: 'delete',
  target: { repository, digest: 'sha256:ab', ...(tags ? { tags } : {}) },
});

describe('scopeMatches', () => {
  it.each([
    ['', push('a', 'v1'), true],
    ['a:*', push('a', 'v1'), true],
    ['a:*', push('ab', 'v1'), false],
    ['a:v1', push('a', 'v1'), true],
    ['a:v1', push('a', 'v2'), false],
    ['a', push('a', 'latest'), true],
    ['a', push('a', 'v1'), false],
    ['team/*:*', push('team/x/y', 'v1'), true],
    ['team/*:*', push('other/x', 'v1'), false],
    // Tagless events: a push by digest, a delete.
    ['a:*', push('a'), true],
    ['a:v1', push('a'), false],
    ['a:v1', del('a', ['v1', 'v2']), true],
    ['a:v3', del('a', ['v1', 'v2']), false],
    ['a:v1', del('a'), false],
    ['a:*', del('a'), true],
    ['', del('a'), true],
  ])('scope %j and %j → %s', (scope, event, expected) => {
    expect(scopeMatches(scope, event)).toBe(expected);
  });
});

describe('matchWebhooks', () => {
  const hook = (name: string, over: Partial<WebhookRecord>): WebhookRecord => ({
    registryName: 'r',
    name,
    subscriptionId: 's',
    resourceGroup: 'g',
    location: 'l',
    tags: {},
    serviceUri: 'http://x',
    customHeaders: {},
    status: 'enabled',
    scope: '',
    actions: ['push'],
    createdAt: '',
    updatedAt: '',
    signingSecret: undefined,
    previousSigningSecret: undefined,
    previousSecretExpiresAt: undefined,
    statusReason: undefined,
    multiArch: undefined,
    rateLimitPerSecond: undefined,
    payloadFormat: undefined,
    skipReferrers: undefined,
    endpointType: undefined,
    connectionString: undefined,
    queueMessageTimeToLiveSeconds: undefined,
    deliveryHealth: undefined,
    ...over,
  });
  it('keeps enabled webhooks that list the action and cover the scope', () => {
    const hooks = [
      hook('yes01', {}),
      hook('off01', { status: 'disabled' }),
      hook('del01', { actions: ['delete'] }),
      hook('scope', { scope: 'b:*' }),
    ];
    expect(matchWebhooks(hooks, push('a', 'v1')).map((h) => h.name)).toEqual(['yes01']);
  });
});
