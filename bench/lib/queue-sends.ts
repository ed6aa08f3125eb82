import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { now } from './figures.js';

/** What this process's Put Message requests to some queues came to, watched from the client side. */
export interface QueueSends {
  /** Answered 201 (the message is in the queue). */
  readonly succeeded: number;
  /** Answered anything else: (status, count). */
  readonly failed: ReadonlyMap<number, number>;
  /** The most in flight at once. */
  readonly peakInFlight: number;
  /** Sum of each send's time from request to its answer's end (ms): ÷ the elapsed time, the mean in flight. */
  readonly busyMs: number;
  /** Epoch ms of the last answer. */
  readonly lastAnswerAt: number;
  /** Starts counting afresh (after a warm-up). */
  reset(): void;
  stop(): void;
}

const PUT_MESSAGE = /^\/[^/]+\/([^/?]+)\/messages(?:\?|$)/;

/**
 * Watches every Put Message (POST `/{account}/{queue}/messages`) this process sends to a queue whose name
 * `queues` matches, through node's http diagnostics channels: the host runs in the benchmark's process and
 * its storage SDK sends with node's http client, so the service's sends are seen as the SDK baseline's
 * are, without touching either. Node 20 has no channel for a request's error: a send that never gets an
 * answer stays "in flight" (the benchmark then times out waiting for its message).
 */
export function watchQueueSends(queues: RegExp): QueueSends {
  const started = new WeakMap<ClientRequest, number>();
  const state = {
    succeeded: 0,
    failed: new Map<number, number>(),
    inFlight: 0,
    peakInFlight: 0,
    busyMs: 0,
    lastAnswerAt: NaN,
  };
  const onStart = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    const queue = request.method === 'POST' ? PUT_MESSAGE.exec(request.path)?.[1] : undefined;
    if (queue === undefined || !queues.test(queue)) return;
    started.set(request, now());
    state.peakInFlight = Math.max(state.peakInFlight, ++state.inFlight);
  };
  const onFinish = (message: unknown) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const t0 = started.get(request);
    if (t0 === undefined) return;
    started.delete(request);
    const t = now();
    state.inFlight--;
    state.busyMs += t - t0;
    state.lastAnswerAt = t;
    const status = response.statusCode ?? 0;
    if (status === 201) state.succeeded++;
    else state.failed.set(status, (state.failed.get(status) ?? 0) + 1);
  };
  subscribe('http.client.request.start', onStart);
  subscribe('http.client.response.finish', onFinish);
  return {
    get succeeded() {
      return state.succeeded;
    },
    get failed() {
      return state.failed;
    },
    get peakInFlight() {
      return state.peakInFlight;
    },
    get busyMs() {
      return state.busyMs;
    },
    get lastAnswerAt() {
      return state.lastAnswerAt;
    },
    reset() {
      Object.assign(state, {
        succeeded: 0,
        failed: new Map(),
        peakInFlight: state.inFlight,
        busyMs: 0,
        lastAnswerAt: NaN,
      });
    },
    stop() {
      unsubscribe('http.client.request.start', onStart);
      unsubscribe('http.client.response.finish', onFinish);
    },
  };
}
