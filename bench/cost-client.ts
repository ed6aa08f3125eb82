import { Pool } from 'undici';
import { signatureHeaders } from '../shared/delivery/signature.js';
import { pool } from './lib/pool.js';
import { closePosts, post } from './lib/post.js';

/*
 * The floor bench/cost.ts compares the host with: a bare Node client in its own process that, for each
 * delivery, builds the event's JSON body, signs it as the host does (Standard Webhooks, signature.ts) and
 * POSTs it over a keep-alive agent (lib/post.ts) to the receiver, as many at once as the host may send to
 * one origin. Nothing is stored, matched, retried or recorded. With `library: 'undici'` (COST_BARE_CLIENT=undici)
 * it POSTs through an undici pool of as many connections instead: the client the host itself sends with.
 */
export interface CostClientRun {
  readonly type: 'run';
  /** The receiver; the client posts to `${url}/bare/{webhook}`. */
  readonly url: string;
  /** The body the host sent for one event (an ACR push event): each delivery's is this with its own id and tag. */
  readonly template: { readonly id: string; readonly target: Readonly<Record<string, unknown>> } & Readonly<Record<string, unknown>>;
  readonly eventIds: readonly string[];
  readonly webhooks: number;
  readonly concurrency: number;
  readonly secret: string;
  /** node's http with a keep-alive agent (the floor issue 24 names), or undici (what the host sends with). */
  readonly library: 'http' | 'undici';
}

const USER_AGENT = 'AzureContainerRegistry/1.0 registry-webhooks/0.1';
let undiciPool: Pool | undefined;

/** One POST through undici: the status, the response read to its end. */
async function undiciPost(url: string, body: string, headers: Readonly<Record<string, string>>, connections: number): Promise<number> {
  const target = new URL(url);
  undiciPool ??= new Pool(target.origin, { connections, pipelining: 1 });
  const res = await undiciPool.request({ path: target.pathname, method: 'POST', headers, body });
  await res.body.dump();
  return res.statusCode;
}

process.on('message', (m: CostClientRun | { type: 'stop' }) => {
  if (m.type === 'stop') {
    closePosts();
    process.exit(0);
  }
  const deliveries = m.eventIds.flatMap((id) => Array.from({ length: m.webhooks }, (_, w) => ({ id, w })));
  let failed = 0;
  void pool(deliveries, m.concurrency, async ({ id, w }) => {
    const body = JSON.stringify({ ...m.template, id, target: { ...m.template.target, tag: id } });
    const headers = { 'user-agent': USER_AGENT, ...signatureHeaders([m.secret], id, new Date(), body) };
    const url = `${m.url}/bare/${w}`;
    const status =
      m.library === 'undici'
        ? await undiciPost(url, body, { 'content-type': 'application/json', ...headers }, m.concurrency)
        : await post(url, body, headers);
    if (status !== 200) failed++;
  }).then(() => process.send?.({ type: 'done', sent: deliveries.length, failed }));
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
