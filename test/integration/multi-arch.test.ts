import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { createTableClient } from '../../shared/storage/clients.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { skopeo, startCncfRegistry, writeOciIndex, type CncfRegistry, type OciIndexImage } from '../helpers/cncf-registry.js';

/*
 * Multi-arch images end to end with a real CNCF registry (Debian's docker-registry 2.8, notifications
 * with `includereferences: true`) and skopeo: an OCI index of two platform images, written by the test,
 * pushed with `skopeo copy --all` (each platform manifest by digest, then the index by tag). Registry 2.8
 * leaves `platform` out of the references, so the service reads the index back from the registry.
 */
const WINDOW_SECONDS = 3;
let svc: TestService;
let rx: Receiver;
let registry: CncfRegistry;
const images: OciIndexImage[] = [];
const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
];

beforeAll(async () => {
  rx = await startReceiver();
  svc = await startService({ DELIVERY_RETRY_SCHEDULE: 'none', MULTI_ARCH_WINDOW_SECONDS: String(WINDOW_SECONDS) });
  registry = await startCncfRegistry(`${svc.url}/registries/multireg01/events`, INGEST_KEY, { includeReferences: true });
  for (const [name, multiArch] of [
    ['permanifest', undefined],
    ['coalesced', 'coalesced'],
  ] as const) {
    const res = await api(svc, `/registries/multireg01/webhooks/${name}`, {
      method: 'PUT',
      json: { location: 'westus', properties: { serviceUri: `${rx.url}/${name}`, actions: ['push'], ...(multiArch ? { multiArch } : {}) } },
    });
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  await registry.close();
  await svc.close();
  await rx.close();
  for (const i of images) i.close();
});

interface Push {
  id: string;
  action: string;
  target: {
    mediaType: string;
    digest: string;
    size: number;
    tag?: string;
    previousDigest?: string;
    platforms?: unknown[];
    url?: string;
  };
}
const bodies = (path: string) => rx.forPath(path).map((r) => JSON.parse(r.body) as Push);
const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * Waits until no push is waiting any more (every hold row was adopted by an index or released and
 * delivered): after that nothing more can arrive for these pushes. Called once the perManifest webhook
 * has all its pushes, so every child's fan-out (which writes the hold row first) has run.
 */
async function holdsDrained() {
  const filter = "PartitionKey eq 'multireg01' and RowKey ge 'hold|' and RowKey lt 'hold}'";
  await eventually(
    async () => {
      for await (const _ of createTableClient(svc.config.storage, 'events').listEntities({ queryOptions: { filter } })) return undefined;
      return true;
    },
    (WINDOW_SECONDS + 20) * 1000,
    'no waiting pushes',
  );
}

describe('a multi-arch push (skopeo copy --all of an OCI index) to a real CNCF registry', () => {
  it('perManifest gets three pushes as ACR sends them; coalesced gets one push listing both platforms', async () => {
    const image = writeOciIndex('v1', PLATFORMS, 'first');
    images.push(image);
    await skopeo('copy', '--all', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `docker://${registry.host}/team/multi:v1`);

    await rx.waitFor(3, 30_000, '/permanifest');
    const per = bodies('/permanifest');
    expect(per.map((b) => [b.target.mediaType, b.target.digest, b.target.tag])).toEqual(
      expect.arrayContaining([
        [MANIFEST, image.platforms[0]!.digest, undefined],
        [MANIFEST, image.platforms[1]!.digest, undefined],
        [INDEX, image.indexDigest, 'v1'],
      ]),
    );
    expect(per).toHaveLength(3);
    // Exactly ACR's payload: no platforms, no URL, no previousDigest on a first push.
    const perIndex = per.find((b) => b.target.mediaType === INDEX)!;
    expect(perIndex.target).toEqual({
      mediaType: INDEX,
      size: image.indexSize,
      digest: image.indexDigest,
      length: image.indexSize,
      repository: 'team/multi',
      tag: 'v1',
    });

    await rx.waitFor(1, 30_000, '/coalesced');
    await holdsDrained();
    const one = bodies('/coalesced');
    expect(one).toHaveLength(1);
    expect(one[0]).toEqual({
      id: perIndex.id,
      timestamp: expect.any(String),
      action: 'push',
      target: {
        mediaType: INDEX,
        size: image.indexSize,
        digest: image.indexDigest,
        length: image.indexSize,
        repository: 'team/multi',
        tag: 'v1',
        platforms: image.platforms.map((p) => ({
          digest: p.digest,
          mediaType: MANIFEST,
          size: p.size,
          os: p.os,
          architecture: p.architecture,
          ...(p.variant ? { variant: p.variant } : {}),
        })),
      },
      request: { id: expect.any(String), host: registry.host, method: 'PUT', useragent: expect.stringContaining('skopeo') },
    });
  });

  it('re-pushing the tag to a new index carries target.previousDigest, to both kinds of webhook', async () => {
    const first = images[0]!;
    const image = writeOciIndex('v1', PLATFORMS, 'second');
    images.push(image);
    await skopeo('copy', '--all', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `docker://${registry.host}/team/multi:v1`);

    await rx.waitFor(6, 30_000, '/permanifest');
    const per = bodies('/permanifest').slice(3);
    expect(per.find((b) => b.target.mediaType === INDEX)?.target).toEqual({
      mediaType: INDEX,
      size: image.indexSize,
      digest: image.indexDigest,
      length: image.indexSize,
      repository: 'team/multi',
      tag: 'v1',
      previousDigest: first.indexDigest,
    });
    // Tagless pushes have no tag to have moved.
    expect(per.filter((b) => b.target.mediaType === MANIFEST).map((b) => b.target.previousDigest)).toEqual([undefined, undefined]);

    await rx.waitFor(2, 30_000, '/coalesced');
    await holdsDrained();
    const both = bodies('/coalesced');
    expect(both).toHaveLength(2);
    expect(both[1]!.target).toMatchObject({ digest: image.indexDigest, tag: 'v1', previousDigest: first.indexDigest });
    expect(both[1]!.target.platforms).toHaveLength(2);

    // listEvents shows the coalesced webhook's two deliveries as they were sent, newest first.
    const res = await api(svc, '/registries/multireg01/webhooks/coalesced/listEvents', { method: 'POST' });
    const list = (await res.json()) as { value: { eventRequestMessage: { content: Push } }[] };
    expect(
      list.value.map((e) => [e.eventRequestMessage.content.target.digest, e.eventRequestMessage.content.target.platforms?.length]),
    ).toEqual([
      [image.indexDigest, 2],
      [first.indexDigest, 2],
    ]);
  });

  it('a tagless push no index claims reaches the coalesced webhook on its own once the window ends; perManifest at once', async () => {
    const digest = `sha256:${'e'.repeat(64)}`;
    const event = {
      id: 'solo-push-0001',
      timestamp: new Date().toISOString(),
      action: 'push',
      target: { mediaType: MANIFEST, size: 100, digest, length: 100, repository: 'solo/app' },
      request: { id: 'r1', host: 'myregistry.azurecr.io', method: 'PUT', useragent: 'test' },
    };
    const sent = Date.now();
    const res = await fetch(`${svc.url}/registries/multireg01/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-functions-key': INGEST_KEY },
      body: JSON.stringify(event),
    });
    expect(res.status).toBe(202);
    const [per] = (await rx.waitFor(7, 30_000, '/permanifest')).slice(6);
    const [alone] = (await rx.waitFor(3, 30_000, '/coalesced')).slice(2);
    expect(JSON.parse(per!.body)).toEqual(event);
    expect(JSON.parse(alone!.body)).toEqual(event);
    expect(alone!.at - sent).toBeGreaterThanOrEqual(WINDOW_SECONDS * 1000 - 500);
    expect(per!.at).toBeLessThan(alone!.at);
  });
});
