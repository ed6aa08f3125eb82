import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { drained } from '../helpers/drained.js';
import { skopeo, startCncfRegistry, writeOciImage, type CncfRegistry, type OciImage } from '../helpers/cncf-registry.js';

/*
 * End to end with a real CNCF distribution registry (Debian's docker-registry 2.8): skopeo pushes a
 * tiny OCI image under two tags and deletes it by digest; the registry notifies our ingest; the
 * webhooks receive ACR's payloads. Blob events, pulls and tag deletes must not arrive.
 */
let svc: TestService;
let rx: Receiver;
let registry: CncfRegistry;
let image: OciImage;

beforeAll(async () => {
  rx = await startReceiver();
  svc = await startService({ DELIVERY_RETRY_SCHEDULE: 'none' });
  registry = await startCncfRegistry(`${svc.url}/registries/cncfreg01/events`, INGEST_KEY);
  image = writeOciImage('v1');
});
afterAll(async () => {
  await registry.close();
  await svc.close();
  await rx.close();
  image.close();
});

async function createHook(name: string, scope: string) {
  const res = await api(svc, `/registries/cncfreg01/webhooks/${name}`, {
    method: 'PUT',
    json: { location: 'westus', properties: { serviceUri: `${rx.url}/${name}`, actions: ['push', 'delete'], scope } },
  });
  expect(res.status).toBe(201);
}

describe('a real CNCF registry', () => {
  it('push two tags, delete by digest: ACR payloads arrive, nothing else', async () => {
    await createHook('everything', '');
    await createHook('onlyv1tag', 'team/app:v1');
    await createHook('otherrepo', 'other:*');

    const dest = `docker://${registry.host}/team/app`;
    await skopeo('copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `${dest}:v1`);
    await skopeo('copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `${dest}:v2`);
    await rx.waitFor(2, 20_000, '/everything');
    await skopeo('delete', '--tls-verify=false', `${dest}@${image.manifestDigest}`);

    const got = await rx.waitFor(3, 20_000, '/everything');
    // The registry follows the manifest delete with one tag delete per tag. Once our ingest has answered
    // both (ignored: folded into the manifest delete) and the pipeline has drained, they added nothing.
    for (const tag of ['v1', 'v2']) {
      const trailing = await registry.waitForNotification((n) =>
        n.events.some((e) => e.action === 'delete' && e.target.tag === tag && !e.target.digest),
      );
      expect(trailing).toEqual({
        events: [expect.objectContaining({ action: 'delete', target: { repository: 'team/app', tag } })],
        status: 202,
        answer: {
          accepted: [],
          duplicates: [],
          ignored: [{ index: 0, id: expect.any(String), reason: 'tag delete (folded into the manifest delete it follows)' }],
          rejected: [],
        },
      });
    }
    await drained(svc.azurite.connectionString);
    const bodies = rx.forPath('/everything').map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies).toHaveLength(3);
    const request = (method: string) => ({
      id: expect.any(String),
      host: registry.host,
      method,
      useragent: expect.stringContaining('skopeo'),
    });
    const pushed = (tag: string) => ({
      id: expect.any(String),
      timestamp: expect.any(String),
      action: 'push',
      target: {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: image.manifestSize,
        digest: image.manifestDigest,
        length: image.manifestSize,
        repository: 'team/app',
        tag,
      },
      request: request('PUT'),
    });
    expect(bodies).toEqual([
      pushed('v1'),
      pushed('v2'),
      {
        id: expect.any(String),
        timestamp: expect.any(String),
        action: 'delete',
        target: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: image.manifestDigest,
          repository: 'team/app',
          tags: ['v1', 'v2'],
        },
        request: request('DELETE'),
      },
    ]);
    expect(got.every((r) => r.headers['user-agent']?.startsWith('AzureContainerRegistry/'))).toBe(true);

    // The tag-scoped webhook gets the v1 push and the delete (v1 pointed at the deleted manifest).
    const v1 = rx.forPath('/onlyv1tag').map((r) => JSON.parse(r.body) as { action: string; target: { tag?: string } });
    expect(v1.map((b) => [b.action, b.target.tag])).toEqual([
      ['push', 'v1'],
      ['delete', undefined],
    ]);
    expect(rx.forPath('/otherrepo')).toHaveLength(0);

    // listEvents has every delivery, newest first.
    const list = await eventually(async () => {
      const res = await api(svc, '/registries/cncfreg01/webhooks/everything/listEvents', { method: 'POST' });
      const body = (await res.json()) as {
        value: {
          eventRequestMessage: { content: { action: string; target: { tag?: string } } };
          eventResponseMessage: { statusCode: string };
        }[];
      };
      return body.value.length === 3 ? body : undefined;
    });
    expect(
      list.value.map((e) => [
        e.eventRequestMessage.content.action,
        e.eventRequestMessage.content.target.tag,
        e.eventResponseMessage.statusCode,
      ]),
    ).toEqual([
      ['delete', undefined, '200'],
      ['push', 'v2', '200'],
      ['push', 'v1', '200'],
    ]);
    // The ingest saw and dropped the blob pushes, pulls and tag deletes.
    expect(svc.logs.join('\n')).toMatch(/ingest: registry=cncfreg01 format=cncf-distribution accepted=0 duplicates=0 ignored=1 rejected=0/);
  });
});
