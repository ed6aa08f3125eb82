import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INGEST_KEY, root, startService, type TestService } from '../helpers/service.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

/*
 * Harbor as a source: its two webhook formats (fixtures in the shapes Harbor's source builds) posted to
 * the ingest as a Harbor webhook policy would, with the ingest key in the policy's auth header; each
 * resource reaches the receiver as ACR's push or delete payload.
 */
let svc: TestService;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  svc = await startService({ DELIVERY_RETRY_SCHEDULE: 'none' });
  for (const name of ['harborall', 'harborapi']) {
    const res = await api(svc, `/registries/harborreg/webhooks/${name}`, {
      method: 'PUT',
      json: {
        location: 'westus',
        properties: { serviceUri: `${rx.url}/${name}`, actions: ['push', 'delete'], scope: name === 'harborapi' ? 'team/api:*' : '' },
      },
    });
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  await svc.close();
  await rx.close();
});

const fixture = (name: string) => readFileSync(join(root, 'test', 'fixtures', 'harbor', name), 'utf8');

/** As Harbor's webhook job sends it: the policy's auth header as `Authorization`. */
function post(name: string, contentType: string) {
  return fetch(`${svc.url}/registries/harborreg/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: `Bearer ${INGEST_KEY}`, 'user-agent': 'Go-http-client/1.1' },
    body: fixture(name),
  });
}

type Delivered = { id: string; timestamp: string; action: string; target: Record<string, unknown>; request: Record<string, unknown> };

describe('Harbor webhook payloads through the ingest', () => {
  it('default and CloudEvents formats, push and delete, every resource: ACR payloads arrive; other types are ignored', async () => {
    const answers = [
      await post('default-push.json', 'application/json'),
      await post('default-delete.json', 'application/json'),
      await post('default-pull.json', 'application/json'),
      await post('cloudevents-push.json', 'application/cloudevents+json'),
      await post('cloudevents-delete.json', 'application/cloudevents+json'),
      await post('cloudevents-scan-completed.json', 'application/cloudevents+json'),
    ];
    const reports = (await Promise.all(answers.map((a) => a.json()))) as { accepted: unknown[]; ignored: { reason: string }[] }[];
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202, 202]);
    expect(reports.map((r) => [r.accepted.length, r.ignored.length])).toEqual([
      [2, 0],
      [2, 0],
      [0, 1],
      [2, 0],
      [2, 0],
      [0, 1],
    ]);
    expect(reports[2]!.ignored[0]!.reason).toBe('Harbor PULL_ARTIFACT events are not reported');
    expect(reports[5]!.ignored[0]!.reason).toBe('Harbor harbor.scan.completed events are not reported');

    await rx.waitFor(8, 20_000, '/harborall');
    const bodies = rx.forPath('/harborall').map((r) => JSON.parse(r.body) as Delivered);
    const d1 = 'sha256:7b3ccabffc97de872a30dfd234fd972a66d247c8cfc69b0550f276481852627c';
    const d2 = 'sha256:0f8e7fd1b2c1c6f4e0a43f3b4b12e3c5e1d8a9a2d5b0c4e6f7a8b9c0d1e2f3a4';
    const d3 = 'sha256:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809';
    const request = (method: string, id: unknown = expect.stringMatching(/^harbor-[0-9a-f]{40}$/)) => ({
      id,
      host: 'harbor.example.com',
      method,
    });
    const key = (b: Delivered) =>
      `${b.action} ${String(b.target['repository'])} ${JSON.stringify(b.target['tag'] ?? b.target['tags'] ?? '')} ${String(b.target['digest'])}`;
    const sorted = [...bodies].sort((a, b) => key(a).localeCompare(key(b)));
    expect(sorted).toEqual([
      {
        id: expect.any(String),
        timestamp: '2025-11-29T01:00:00.000Z',
        action: 'delete',
        target: { digest: d2, repository: 'library/app' },
        request: request('DELETE'),
      },
      {
        id: expect.any(String),
        timestamp: '2025-11-29T01:00:00.000Z',
        action: 'delete',
        target: { digest: d1, repository: 'library/app', tags: ['1.0'] },
        request: request('DELETE'),
      },
      {
        id: expect.any(String),
        timestamp: '2025-11-29T01:00:00.000Z',
        action: 'delete',
        target: { digest: d3, repository: 'team/api' },
        request: request('DELETE', '9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f'),
      },
      {
        id: expect.any(String),
        timestamp: '2025-11-29T01:00:00.000Z',
        action: 'delete',
        target: { digest: d1, repository: 'team/api', tags: ['1.0'] },
        request: request('DELETE', '9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f'),
      },
      {
        id: expect.any(String),
        timestamp: '2025-11-29T00:00:00.000Z',
        action: 'push',
        target: { digest: d2, repository: 'library/app' },
        request: request('PUT'),
      },
      {
        id: expect.any(String),
        timestamp: '2025-11-29T00:00:00.000Z',
        action: 'push',
        target: { digest: d1, repository: 'library/app', tag: '1.0' },
        request: request('PUT'),
      },
      {
        id: expect.any(String),
        timestamp: '2025-11-29T00:00:00.000Z',
        action: 'push',
        target: { digest: d1, repository: 'team/api', tag: '1.0' },
        request: request('PUT', '2eedfab8-61d3-4f3c-8ec3-8f82d1ec4c84'),
      },
      {
        id: expect.any(String),
        timestamp: '2025-11-29T00:00:00.000Z',
        action: 'push',
        target: { digest: d1, repository: 'team/api', tag: 'latest' },
        request: request('PUT', '2eedfab8-61d3-4f3c-8ec3-8f82d1ec4c84'),
      },
    ]);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(8);
    // The scoped webhook sees only team/api.
    await rx.waitFor(4, 20_000, '/harborapi');
    expect(rx.forPath('/harborapi').map((r) => (JSON.parse(r.body) as Delivered).target['repository'])).toEqual([
      'team/api',
      'team/api',
      'team/api',
      'team/api',
    ]);
  });

  it('a resend of the same Harbor payload is a duplicate, not a second delivery', async () => {
    const res = await post('default-push.json', 'application/json');
    expect(res.status).toBe(202);
    const report = (await res.json()) as { accepted: unknown[]; duplicates: unknown[] };
    expect([report.accepted.length, report.duplicates.length]).toEqual([0, 2]);
  });

  it('a Harbor push without a repository is rejected with a 400 naming what is missing', async () => {
    const res = await fetch(`${svc.url}/registries/harborreg/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_KEY}` },
      body: JSON.stringify({
        type: 'PUSH_ARTIFACT',
        occur_at: 1764374400,
        event_data: { resources: [{ digest: 'sha256:' + 'a'.repeat(64) }] },
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'InvalidParameter',
        message:
          'No event was accepted: 1 invalid; event 0: a Harbor artifact event needs event_data.repository.repo_full_name and resources.',
      },
    });
  });
});
