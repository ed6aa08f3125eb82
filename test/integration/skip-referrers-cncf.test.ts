import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { drained } from '../helpers/drained.js';
import {
  skopeo,
  startCncfRegistry,
  writeOciArtifact,
  writeOciImage,
  type CncfRegistry,
  type OciArtifact,
  type OciImage,
} from '../helpers/cncf-registry.js';

/*
 * skipReferrers against a real CNCF distribution registry (Debian's docker-registry 2.8) and skopeo: an
 * image, a cosign-style signature under the tag sha256-<image digest>.sig, and an OCI 1.1 SBOM whose
 * manifest has a `subject` (the image) and an `artifactType`, pushed by digest as referrers are. The
 * registry's events say nothing of the subject: the service reads the manifest back from the registry.
 */
let svc: TestService;
let rx: Receiver;
let registry: CncfRegistry;
let image: OciImage;
let signature: OciArtifact;
let sbom: OciArtifact;

beforeAll(async () => {
  rx = await startReceiver();
  svc = await startService({ DELIVERY_RETRY_SCHEDULE: 'none' });
  registry = await startCncfRegistry(`${svc.url}/registries/refsreg01/events`, INGEST_KEY);
  image = writeOciImage('v1');
  // cosign's classic signature: an image whose one layer is the simple-signing payload, tagged after the image.
  signature = writeOciArtifact('sig', {
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', content: JSON.stringify({ architecture: '', os: '' }) },
    layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', content: '{"critical":{}}' }],
  });
  sbom = writeOciArtifact('sbom', {
    artifactType: 'application/spdx+json',
    subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.manifestDigest, size: image.manifestSize },
    config: { mediaType: 'application/vnd.oci.empty.v1+json', content: '{}' },
    layers: [{ mediaType: 'application/spdx+json', content: '{"spdxVersion":"SPDX-2.3"}' }],
  });
});
afterAll(async () => {
  await registry.close();
  await svc.close();
  await rx.close();
  for (const layout of [image, signature, sbom]) layout.close();
});

async function createHook(name: string, properties: Record<string, unknown>) {
  const res = await api(svc, `/registries/refsreg01/webhooks/${name}`, {
    method: 'PUT',
    json: { location: 'westus', properties: { serviceUri: `${rx.url}/${name}`, actions: ['push'], ...properties } },
  });
  expect(res.status).toBe(201);
  expect(((await res.json()) as { properties: Record<string, unknown> }).properties['skipReferrers']).toBe(properties['skipReferrers']);
}

interface Listed {
  id: string;
  eventRequestMessage: { content: { target: { tag?: string; digest: string } } };
  delivery: { state: string; action: string; image?: string; lastError?: string; attempts: number };
}

async function listEvents(name: string): Promise<Listed[]> {
  const res = await api(svc, `/registries/refsreg01/webhooks/${name}/listEvents`, { method: 'POST' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { value: Listed[] }).value;
}

describe('skipReferrers with a real CNCF registry', () => {
  it('a skipReferrers webhook gets only the image; a plain one gets all three; the other two are listed as skipped, and counted', async () => {
    await createHook('skipsrefs', { skipReferrers: true });
    await createHook('everyone1', {});
    const repo = `docker://${registry.host}/team/app`;
    const sigTag = `sha256-${image.manifestDigest.slice('sha256:'.length)}.sig`;
    await skopeo('copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, `${repo}:v1`);
    await skopeo('copy', '--dest-tls-verify=false', `oci:${signature.dir}:sig`, `${repo}:${sigTag}`);
    await skopeo('copy', '--dest-tls-verify=false', `oci:${sbom.dir}:sbom`, `${repo}@${sbom.manifestDigest}`);

    const all = await rx.waitFor(3, 20_000, '/everyone1');
    await drained(svc.azurite.connectionString);
    expect(
      all.map((r) => {
        const { target } = JSON.parse(r.body) as { target: { tag?: string; digest: string } };
        return [target.digest, target.tag];
      }),
    ).toEqual([
      [image.manifestDigest, 'v1'],
      [signature.manifestDigest, sigTag],
      [sbom.manifestDigest, undefined],
    ]);
    const only = rx.forPath('/skipsrefs').map((r) => JSON.parse(r.body) as { target: Record<string, unknown> });
    expect(only).toEqual([
      {
        id: expect.any(String),
        timestamp: expect.any(String),
        action: 'push',
        target: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          size: image.manifestSize,
          digest: image.manifestDigest,
          length: image.manifestSize,
          repository: 'team/app',
          tag: 'v1',
        },
        request: expect.objectContaining({ method: 'PUT' }),
      },
    ]);

    // Not silent: listEvents shows the two as skipped, with why, and their bodies as they would have gone.
    const listed = await eventually(async () => {
      const l = await listEvents('skipsrefs');
      return l.length === 3 ? l : undefined;
    });
    expect(
      listed.map((e) => [e.eventRequestMessage.content.target.digest, e.delivery.state, e.delivery.attempts, e.delivery.lastError]),
    ).toEqual([
      [sbom.manifestDigest, 'skipped', 0, 'skipped (skipReferrers): the manifest has a subject (an OCI 1.1 referrer)'],
      [
        signature.manifestDigest,
        'skipped',
        0,
        "skipped (skipReferrers): a tag of cosign's form sha256-<digest>…, a signature, attestation or SBOM",
      ],
      [image.manifestDigest, 'succeeded', 1, undefined],
    ]);
    expect(listed.map((e) => [e.delivery.action, e.delivery.image])).toEqual([
      ['push', 'team/app'],
      ['push', `team/app:${sigTag}`],
      ['push', 'team/app:v1'],
    ]);
    expect((await listEvents('everyone1')).map((e) => e.delivery.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);

    // Counted: one skip for each reason.
    const metrics = await (await api(svc, '/metrics')).text();
    const skipped = (reason: string) =>
      metrics.split('\n').find((l) => l.startsWith(`registry_webhooks_deliveries_total{outcome="skipped",reason="${reason}"} `));
    expect([skipped('cosign_tag'), skipped('subject')]).toEqual([
      'registry_webhooks_deliveries_total{outcome="skipped",reason="cosign_tag"} 1',
      'registry_webhooks_deliveries_total{outcome="skipped",reason="subject"} 1',
    ]);
    // The manifests were read back for the skipping webhook only where the event did not say already.
    expect(svc.logs.join('\n')).toMatch(/skipped=1 \(subject\)/);
  });

  it('takes skipReferrers as a boolean on PATCH (false turns it off) and refuses anything else', async () => {
    const patch = (value: unknown) =>
      api(svc, '/registries/refsreg01/webhooks/everyone1', { method: 'PATCH', json: { properties: { skipReferrers: value } } });
    expect(((await (await patch(false)).json()) as { properties: Record<string, unknown> }).properties['skipReferrers']).toBe(false);
    const bad = await patch('yes');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: {
        code: 'InvalidParameter',
        message: 'The request is invalid. properties.skipReferrers: skipReferrers must be true or false.',
        target: 'properties.skipReferrers',
      },
    });
  });

  it('a skipped delivery can still be sent on request (redeliver), and recover leaves it', async () => {
    const listed = await listEvents('skipsrefs');
    const skipped = listed.find((e) => e.delivery.state === 'skipped')!;
    const recovered = await api(svc, '/registries/refsreg01/webhooks/skipsrefs/recover', {
      method: 'POST',
      json: { since: '2000-01-01T00:00:00Z' },
    });
    expect(await recovered.json()).toEqual({ redelivered: 0 });
    const res = await api(svc, `/registries/refsreg01/webhooks/skipsrefs/events/${skipped.id}/redeliver`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Listed).delivery.state).toBe('succeeded');
    expect(rx.forPath('/skipsrefs')).toHaveLength(2);
  });
});
