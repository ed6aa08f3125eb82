import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cncfAdapter } from '../../shared/events/normalize-cncf.js';
import { acrAdapter } from '../../shared/events/normalize-acr.js';
import { root } from '../helpers/service.js';

const fixture = (path: string): unknown => JSON.parse(readFileSync(join(root, 'test', 'fixtures', path), 'utf8'));

describe('CNCF distribution notifications (captured from docker-registry 2.8 + skopeo)', () => {
  const envelopes = fixture('cncf/push-and-delete.json') as unknown[];
  const results = envelopes.flatMap((e) => {
    const r = cncfAdapter.normalize(e);
    if ('error' in r) throw new Error(r.error);
    return r;
  });

  it('reads the content types the registry sends', () => {
    expect(cncfAdapter.accepts('application/vnd.docker.distribution.events.v1+json')).toBe(true);
    expect(cncfAdapter.accepts('application/vnd.docker.distribution.events.v2+json; charset=utf-8')).toBe(true);
    expect(cncfAdapter.accepts('application/json')).toBe(false);
  });

  it('keeps manifest pushes and digest deletes, drops blobs, pulls and tag deletes', () => {
    expect(results.map((c) => [c.kind, c.kind === 'ignore' ? c.reason : c.kind === 'reject' ? c.message : c.event.action])).toEqual([
      ['ignore', 'blob push (ACR reports manifests only)'],
      ['ignore', 'blob push (ACR reports manifests only)'],
      ['accept', 'push'],
      ['ignore', 'pull events are not reported'],
      ['ignore', 'pull events are not reported'],
      ['accept', 'push'],
      ['ignore', 'pull events are not reported'],
      ['resolveDelete', 'delete'],
      ['ignore', 'tag delete (folded into the manifest delete it follows)'],
      ['ignore', 'tag delete (folded into the manifest delete it follows)'],
    ]);
  });

  it('maps a manifest push to ACR’s push payload', () => {
    const push = results[2];
    if (push?.kind !== 'accept') throw new Error('expected a push');
    const raw = (
      envelopes[2] as {
        events: {
          id: string;
          timestamp: string;
          target: { digest: string; size: number; url: string };
          request: { id: string; host: string; useragent: string };
        }[];
      }
    ).events[0]!;
    // ACR's push payload, plus where the manifest can be read back (working data for skipReferrers, never delivered).
    expect(push.event).toEqual({
      id: raw.id,
      timestamp: raw.timestamp,
      action: 'push',
      target: {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: raw.target.size,
        digest: raw.target.digest,
        length: raw.target.size,
        repository: 'team/app',
        tag: 'v1',
        manifestUrl: raw.target.url,
      },
      request: { id: raw.request.id, host: raw.request.host, method: 'PUT', useragent: raw.request.useragent },
    });
    expect(raw.target.url).toBe(`http://${raw.request.host}/v2/team/app/manifests/${raw.target.digest}`);
  });

  it('rejects malformed events one by one and refuses a body that is not an envelope', () => {
    const r = cncfAdapter.normalize({
      events: [
        { id: 'e1', action: 'push' },
        {
          id: 'e2',
          timestamp: '2026-01-01T00:00:00Z',
          action: 'push',
          target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', repository: 'UPPER', digest: 'sha256:ab' },
        },
      ],
    });
    expect(r).toEqual([
      { kind: 'reject', index: 0, id: 'e1', message: 'timestamp: Invalid input: expected string, received undefined' },
      { kind: 'reject', index: 1, id: 'e2', message: expect.stringContaining('target.repository') },
    ]);
    expect(cncfAdapter.normalize([1, 2])).toEqual({ error: 'The body must be a notification envelope: {"events": [...]}.' });
  });
});

describe('ACR-format events (payloads from ACR’s webhook reference)', () => {
  it.each(['push', 'delete', 'chart-push'])('takes %s as it is', (name) => {
    const event = fixture(`acr/${name}.json`);
    expect(acrAdapter.normalize(event)).toEqual([{ kind: 'accept', index: 0, event }]);
  });
  it('takes arrays and reports each invalid item', () => {
    const push = fixture('acr/push.json');
    const r = acrAdapter.normalize([push, { id: 'bad', action: 'explode' }]);
    expect(r).toEqual([
      { kind: 'accept', index: 0, event: push },
      { kind: 'reject', index: 1, id: 'bad', message: expect.stringMatching(/^timestamp|^action/) },
    ]);
  });
  it('refuses a scalar body', () => {
    expect(acrAdapter.normalize('x')).toEqual({ error: 'The body must be an ACR event object or an array of them.' });
  });
});
