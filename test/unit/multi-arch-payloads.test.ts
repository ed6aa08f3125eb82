import { describe, expect, it } from 'vitest';
import { cncfAdapter } from '../../shared/events/normalize-cncf.js';
import { acrPayload, coalescedPayload, isIndexPush, isTaglessChildPush } from '../../shared/multiarch/payloads.js';
import { indexUrl } from '../../shared/multiarch/resolve-platforms.js';
import type { AcrEvent } from '../../shared/events/acr-event.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const d = (c: string) => `sha256:${c.repeat(64)}`;

/** A registry 2.8 index push with `includereferences: true` (references without `platform`). */
const cncfIndexPush = {
  events: [
    {
      id: 'e1',
      timestamp: '2026-11-29T00:00:00Z',
      action: 'push',
      target: {
        mediaType: INDEX,
        size: 500,
        digest: d('f'),
        length: 500,
        repository: 'team/app',
        url: `http://registry.local:5000/v2/team/app/manifests/${d('f')}`,
        tag: 'v1',
        references: [
          { mediaType: MANIFEST, digest: d('a'), size: 480 },
          { mediaType: MANIFEST, digest: d('b'), size: 481, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        ],
      },
      request: { id: 'r1', addr: '127.0.0.1', host: 'registry.local:5000', method: 'PUT', useragent: 'skopeo/1.9' },
    },
  ],
};

describe('multi-arch payloads', () => {
  const candidates = cncfAdapter.normalize(cncfIndexPush);
  const candidate = 'error' in candidates ? undefined : candidates[0];
  if (candidate?.kind !== 'accept') throw new Error('expected the index push to be accepted');
  const event = candidate.event;

  it("keeps a CNCF index push's references as platforms and its URL, for coalesced webhooks", () => {
    expect(event.target.platforms).toEqual([
      { digest: d('a'), mediaType: MANIFEST, size: 480 },
      { digest: d('b'), mediaType: MANIFEST, size: 481, os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    expect(indexUrl(event)).toBe(`http://registry.local:5000/v2/team/app/manifests/${d('f')}`);
    expect(isIndexPush(event)).toBe(true);
    expect(isTaglessChildPush(event)).toBe(false);
  });

  it("gives perManifest webhooks exactly ACR's payload, and coalesced ones the platforms", () => {
    const acr = { mediaType: INDEX, size: 500, digest: d('f'), length: 500, repository: 'team/app', tag: 'v1' };
    expect(acrPayload(event).target).toEqual(acr);
    const platforms = [{ digest: d('a'), os: 'linux', architecture: 'amd64' }];
    expect(coalescedPayload(event, platforms).target).toEqual({ ...acr, platforms });
  });

  it('an ACR event names its index by request.host; a tagless manifest push is a child, a tagged one is not', () => {
    const acrIndex: AcrEvent = {
      id: 'x',
      timestamp: '2026-11-29T00:00:00Z',
      action: 'push',
      target: { mediaType: INDEX, digest: d('f'), repository: 'team/app', tag: 'v1' },
      request: { id: 'r', host: 'myregistry.azurecr.io' },
    };
    expect(indexUrl(acrIndex)).toBe(`https://myregistry.azurecr.io/v2/team/app/manifests/${d('f')}`);
    const child: AcrEvent = { ...acrIndex, target: { mediaType: MANIFEST, digest: d('a'), repository: 'team/app' } };
    expect(isTaglessChildPush(child)).toBe(true);
    expect(isTaglessChildPush({ ...child, target: { ...child.target, tag: 'v1' } })).toBe(false);
    // A manifest push by tag that is not an index keeps ACR's payload as it is, url included when a poster sent one.
    expect(acrPayload({ ...child, target: { ...child.target, url: 'https://x/v2/y' } }).target).toEqual({
      ...child.target,
      url: 'https://x/v2/y',
    });
  });
});
