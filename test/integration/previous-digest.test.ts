import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { loadConfig } from '../../shared/config.js';
import { makeServices, type Services as Deps } from '../../shared/runtime/services.js';
import { createTableClient } from '../../shared/storage/clients.js';
import type { AcrEvent } from '../../shared/events/acr-event.js';
import { Rows } from '../../shared/storage/event-keys.js';
import { INGEST_KEY, MANAGEMENT_KEY } from '../helpers/service.js';

/*
 * Moved tags across instances: two service instances (two sets of deps on one storage account, as two
 * Function hosts) commit pushes of the same tag at the same time. Each push's previousDigest must be
 * the digest the tag pointed at just before that push took it: the pushes form one chain, nobody reports
 * a predecessor someone else already reported.
 */
let azurite: Azurite;
let a: Deps;
let b: Deps;
beforeAll(async () => {
  azurite = await startAzurite();
  const config = loadConfig({ AzureWebJobsStorage: azurite.connectionString, MANAGEMENT_KEYS: MANAGEMENT_KEY, INGEST_KEYS: INGEST_KEY });
  [a, b] = await Promise.all([makeServices(config), makeServices(config)]);
});
afterAll(async () => {
  await azurite.close();
});

const digest = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;
const push = (i: number, tag: string): AcrEvent => ({
  id: `move-${tag}-${i}`,
  timestamp: '2026-11-29T00:00:00.000Z',
  action: 'push',
  target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1, digest: digest(i), length: 1, repository: 'team/app', tag },
});

async function stored(deps: Deps, id: string): Promise<AcrEvent> {
  const e = await deps.claims.getEvent('movereg01', id);
  if (!e) throw new Error(`event ${id} was not stored`);
  return e.event;
}

describe('target.previousDigest', () => {
  it('is absent on the first push of a tag, the old digest when it moves, absent when pushed again to the same digest', async () => {
    expect(await a.ingestBatcher.submit('movereg01', push(1, 'solo'), { remember: false })).toBe('accepted');
    expect(await a.ingestBatcher.submit('movereg01', push(2, 'solo'), { remember: false })).toBe('accepted');
    expect(await a.ingestBatcher.submit('movereg01', { ...push(2, 'solo'), id: 'move-solo-2b' }, { remember: false })).toBe('accepted');
    expect((await stored(a, 'move-solo-1')).target.previousDigest).toBeUndefined();
    expect((await stored(a, 'move-solo-2')).target.previousDigest).toBe(digest(1));
    expect((await stored(a, 'move-solo-2b')).target.previousDigest).toBeUndefined();
  });

  it('pushes taking turns on two instances: each names the digest the other wrote last (a stale guess fails its write, which then reads)', async () => {
    // a writes the tag (no read: a new tag), b moves it without knowing a's row (its create fails, it
    // reads), a moves it again holding a stale ETag (its update fails, it reads), then once more knowing
    // the ETag it wrote itself: each event's stored payload names the right predecessor.
    expect(await a.ingestBatcher.submit('movereg01', push(11, 'turns'), { remember: false })).toBe('accepted');
    expect(await b.ingestBatcher.submit('movereg01', push(12, 'turns'), { remember: false })).toBe('accepted');
    expect(await a.ingestBatcher.submit('movereg01', push(13, 'turns'), { remember: false })).toBe('accepted');
    expect(await a.ingestBatcher.submit('movereg01', push(14, 'turns'), { remember: false })).toBe('accepted');
    const previous = await Promise.all([11, 12, 13, 14].map(async (i) => (await stored(a, `move-turns-${i}`)).target.previousDigest));
    expect(previous).toEqual([undefined, digest(11), digest(12), digest(13)]);
  });

  it('two instances pushing the same tag at once: every push names a different predecessor, one chain through all', async () => {
    const n = 16;
    const outcomes = await Promise.all(
      Array.from({ length: n }, (_, i) => (i % 2 ? a : b).ingestBatcher.submit('movereg01', push(100 + i, 'race'), { remember: false })),
    );
    expect(outcomes.every((o) => o === 'accepted')).toBe(true);
    const events = await Promise.all(Array.from({ length: n }, (_, i) => stored(a, `move-race-${100 + i}`)));
    const previous = events.map((e) => e.target.previousDigest);
    expect(previous.filter((p) => p === undefined)).toHaveLength(1);
    expect(new Set(previous.filter((p) => p !== undefined)).size).toBe(n - 1);
    // Follow the chain from the first push: it visits every push once and ends where the tag points now.
    const byPrevious = new Map(events.map((e) => [e.target.previousDigest, e.target.digest]));
    const chain: (string | undefined)[] = [];
    for (let at = byPrevious.get(undefined); at !== undefined; at = byPrevious.get(at)) chain.push(at);
    expect(chain).toHaveLength(n);
    const row = await createTableClient(a.config.storage, 'events').getEntity<{ digest: string }>(
      'movereg01',
      Rows.tag('team/app', 'race'),
    );
    expect(row.digest).toBe(chain[n - 1]);
  });
});
