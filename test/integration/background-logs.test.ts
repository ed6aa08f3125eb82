import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as delay } from 'node:timers/promises';
import { api, INGEST_KEY, startService, type TestService } from '../helpers/service.js';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';

/*
 * The ingest answers 202 before its batch is fanned out (dispatch.ts), and a hand-off finishes after the
 * fan-out returned (handoffs.ts): by then the invocation that started the work has finished. On Azure a
 * log call on its context is "Unexpected call to 'log' on the context object after function execution
 * has completed"; the local host records it (`host.lateLogs`). That work logs through the process's
 * logger, which the local host writes under the name `background`.
 */
let svc: TestService;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  rx.answer = { status: 500, body: 'down' };
  svc = await startService({ DELIVERY_RETRY_SCHEDULE: 'none', DELIVERY_INLINE_WAIT_SECONDS: '0.3' });
});
afterAll(async () => {
  await svc.close();
  await rx.close();
});

async function hookAndPush(registry: string, name: string) {
  const put = await api(svc, `/registries/${registry}/webhooks/${name}`, {
    method: 'PUT',
    json: { location: 'westus', properties: { serviceUri: `${rx.url}/${name}`, actions: ['push'] } },
  });
  expect(put.status).toBe(201);
  const event = {
    id: `${name}-${Date.now()}`,
    timestamp: new Date().toISOString(),
    action: 'push',
    target: { repository: 'app', tag: 'v1', digest: 'sha256:' + 'e'.repeat(64) },
  };
  const res = await api(svc, `/registries/${registry}/events`, { method: 'POST', key: INGEST_KEY, json: event });
  expect(res.status).toBe(202);
  return event;
}

/** The one line that says the delivery failed, however it was logged. */
const failureLine = (registry: string) =>
  eventually(
    () => Promise.resolve(svc.logs.find((l) => l.includes(`delivery failed: registry=${registry} `))),
    10_000,
    `the delivery failure of ${registry} in the log`,
  );

describe('background work logs through the process, not a finished invocation', () => {
  it('a first attempt answered 500 after the 202: its failure is logged by the process, not the ingest', async () => {
    const event = await hookAndPush('bglogreg01', 'fails500');
    expect(await failureLine('bglogreg01')).toBe(
      `warning background: delivery failed: registry=bglogreg01 event=${event.id} action=push webhook=fails500 attempt=1: HTTP 500 Internal Server Error; giving up`,
    );
    expect(svc.host.lateLogs).toEqual([]);
  });

  it('a first attempt handed off (slower than the inline wait), then answered 500: the hand-off logs through the process', async () => {
    rx.script.push({ status: 500, hold: delay(1_000) });
    const event = await hookAndPush('bglogreg02', 'slow500');
    expect(await failureLine('bglogreg02')).toBe(
      `warning background: delivery failed: registry=bglogreg02 event=${event.id} action=push webhook=slow500 attempt=1: HTTP 500 Internal Server Error; giving up`,
    );
    expect(svc.logs.some((l) => l.startsWith('information background: fan-out: registry=bglogreg02') && l.includes('handedOff=1'))).toBe(
      true,
    );
    expect(svc.host.lateLogs).toEqual([]);
  });
});
