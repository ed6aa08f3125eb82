/*
 * A webhook's turn. Three things can make a delivery wait before it is sent, none of them a failure of
 * the receiver: the webhook's `rateLimitPerSecond` (its turns are slots 1/rate apart, handed out in
 * order of receipt and shared by every worker through one table row), a `429` with `Retry-After` (the
 * receiver asked this webhook to wait), and older deliveries of the same webhook that wait in the
 * delivery queue (newer ones queue behind them, so a webhook's deliveries start in order of receipt).
 * A turn that comes within the delivery's in-memory wait is waited for here; a later one is returned, and
 * the delivery waits for it in the delivery queue (as `pending`, its attempts unchanged).
 */

/** What pacing needs of a webhook. */
interface PacedWebhook {
  readonly registryName: string;
  readonly name: string;
  /** At most this many requests per second; undefined: no limit. */
  readonly rateLimitPerSecond?: number | undefined;
}

/** Why a delivery waits: shown in listEvents and counted in metrics. */
export type WaitReason =
  | 'rate limit'
  | 'retry-after'
  | 'behind older deliveries'
  | 'behind older deliveries of its repository'
  | 'connections to the endpoint busy';

type Turn =
  | { readonly go: true }
  | {
      readonly go: false;
      readonly reason: WaitReason;
      /** Epoch ms: its turn (kept for it) or when to ask again. */ readonly notBeforeMs: number;
    };

interface TurnRequest {
  /** Its time of receipt: among waiting deliveries of one webhook, the oldest goes first. */
  readonly receivedMs: number;
  /** Epoch ms: the longest it may wait here; a later turn is returned instead. */
  readonly deadlineMs: number;
  /** A turn given earlier (the delivery comes back from the queue for it). */
  readonly notBeforeMs?: number | undefined;
}

/**
 * The shared part of a rate limit: a webhook's next free slot (generic cell rate algorithm: one
 * "theoretical arrival time" per webhook). Storage implements it (storage/pacing-store.ts).
 */
export interface SlotStore {
  /**
   * Reserves `count` consecutive slots `intervalMs` apart, none before `notBeforeMs`, and returns the
   * first one's time (epoch ms). `count` 0 only moves the next free slot to `notBeforeMs` if it is earlier.
   */
  reserve(registry: string, webhook: string, count: number, intervalMs: number, notBeforeMs: number): Promise<number>;
}

export interface Pacer {
  /** Waits for the delivery's turn when it comes by `deadlineMs`; otherwise says when it is. */
  turn(webhook: PacedWebhook, request: TurnRequest): Promise<Turn>;
  /** The receiver answered 429 with Retry-After: this webhook's next sends wait until `untilMs` too. */
  slowDown(webhook: PacedWebhook, untilMs: number): void;
  /** A delivery of this webhook waits in the queue until `untilMs`: newer ones start after it. */
  queuedUntil(webhook: PacedWebhook, untilMs: number): void;
}

export interface PacerDeps {
  readonly slots: SlotStore;
  /** Epoch ms. */
  readonly now: () => number;
  /** Told when the shared slots cannot be reached (the limit then holds per worker only). */
  readonly warn: (message: string) => void;
}

/** A returning delivery this late for its kept turn takes a new one, so the rate holds. */
const LATE_TOLERANCE = 0.5;

interface Asking {
  readonly receivedMs: number;
  readonly seq: number;
  readonly resolve: (slotMs: number) => void;
}

interface Lane {
  /** Retry-After: nothing is sent before this. */
  pausedUntil: number;
  /** The latest time a delivery of this webhook waits in the queue for. */
  behindUntil: number;
  /** Rate-limited deliveries asking for slots in this turn of the event loop: reserved together. */
  asking: Asking[];
  /** Used when the shared slots cannot be reached: this worker's own next free slot. */
  localNext: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function makePacer(deps: PacerDeps): Pacer {
  const lanes = new Map<string, Lane>();
  let seq = 0;
  // Registry and webhook names are case-insensitive, as in ACR.
  const keyOf = (w: PacedWebhook) => `${w.registryName.toLowerCase()}/${w.name.toLowerCase()}`;
  const laneOf = (w: PacedWebhook): Lane => {
    const key = keyOf(w);
    let lane = lanes.get(key);
    if (!lane) lanes.set(key, (lane = { pausedUntil: 0, behindUntil: 0, asking: [], localNext: 0 }));
    return lane;
  };
  /** Lanes whose waits are all over are dropped, so the map holds only webhooks that wait now. */
  const tidy = (w: PacedWebhook, lane: Lane) => {
    const now = deps.now();
    if (lane.asking.length === 0 && lane.pausedUntil <= now && lane.behindUntil <= now && lane.localNext <= now) lanes.delete(keyOf(w));
  };

  /** Slots for everything that asked in this turn of the event loop: one reservation, in order of receipt. */
  async function reserve(w: PacedWebhook, lane: Lane, intervalMs: number): Promise<void> {
    const asking = lane.asking.sort((a, b) => a.receivedMs - b.receivedMs || a.seq - b.seq);
    lane.asking = [];
    const notBefore = Math.max(deps.now(), lane.pausedUntil);
    let first: number;
    try {
      first = await deps.slots.reserve(w.registryName, w.name, asking.length, intervalMs, notBefore);
    } catch (err) {
      deps.warn(
        `pacing: webhook=${w.name}: the shared rate-limit slots could not be reserved (${err instanceof Error ? err.message : String(err)}); this worker paces alone`,
      );
      first = Math.max(notBefore, lane.localNext);
    }
    lane.localNext = Math.max(lane.localNext, first + asking.length * intervalMs);
    asking.forEach((a, i) => a.resolve(first + i * intervalMs));
  }

  function slotFor(w: PacedWebhook, lane: Lane, receivedMs: number, intervalMs: number): Promise<number> {
    return new Promise((resolve) => {
      lane.asking.push({ receivedMs, seq: seq++, resolve });
      if (lane.asking.length === 1) setImmediate(() => void reserve(w, lane, intervalMs));
    });
  }

  /** Waits until `at`, and longer while a Retry-After pause says so; the time waited for when that passes the deadline. */
  async function waitUntil(lane: Lane, at: number, deadlineMs: number): Promise<number | true> {
    let until = Math.max(at, lane.pausedUntil);
    while (until > deps.now()) {
      if (until > deadlineMs) return until;
      await sleep(until - deps.now());
      until = Math.max(until, lane.pausedUntil);
    }
    return true;
  }

  return {
    async turn(w, request) {
      const rate = w.rateLimitPerSecond;
      // The common case costs one map lookup: no limit, no pause, nothing of this webhook in the queue.
      if (!rate && request.notBeforeMs === undefined && !lanes.has(keyOf(w))) return { go: true };
      const lane = laneOf(w);
      const intervalMs = rate ? 1000 / rate : 0;
      const now = deps.now();
      let at: number;
      let reason: WaitReason;
      const kept = request.notBeforeMs;
      if (kept !== undefined && (!rate || now <= kept + LATE_TOLERANCE * intervalMs)) {
        // Back from the queue for a turn kept for it (or, without a limit, the time it was told).
        at = kept;
        reason = rate ? 'rate limit' : 'behind older deliveries';
      } else if (rate) {
        at = await slotFor(w, lane, request.receivedMs, intervalMs);
        reason = 'rate limit';
      } else {
        // Behind the deliveries of this webhook that wait in the queue (a returning one is one of them).
        at = kept === undefined && lane.behindUntil > now ? lane.behindUntil : now;
        reason = 'behind older deliveries';
      }
      if (lane.pausedUntil > at) reason = 'retry-after';
      const waited = await waitUntil(lane, at, request.deadlineMs);
      if (waited === true) {
        tidy(w, lane);
        return { go: true };
      }
      lane.behindUntil = Math.max(lane.behindUntil, waited);
      return { go: false, reason: lane.pausedUntil >= waited ? 'retry-after' : reason, notBeforeMs: waited };
    },
    slowDown(w, untilMs) {
      const lane = laneOf(w);
      if (untilMs <= lane.pausedUntil) return;
      lane.pausedUntil = untilMs;
      // Every worker's slots start after the pause too (a rate-limited webhook's slots are shared).
      if (w.rateLimitPerSecond)
        deps.slots.reserve(w.registryName, w.name, 0, 1000 / w.rateLimitPerSecond, untilMs).catch((err: unknown) => {
          deps.warn(
            `pacing: webhook=${w.name}: could not share its Retry-After pause: ${err instanceof Error ? err.message : String(err)}`,
          );
        });
    },
    queuedUntil(w, untilMs) {
      const lane = laneOf(w);
      lane.behindUntil = Math.max(lane.behindUntil, untilMs);
    },
  };
}
