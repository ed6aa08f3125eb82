/**
 * Connections per origin (scheme, host and port): at most `limit` requests in flight to one origin; the
 * rest wait for a connection in order of `priority` (lower first: deliveries pass their time of receipt,
 * so the oldest goes first), each at most until its own deadline. A waiter whose deadline comes first leaves
 * without a connection: the caller decides what that means (a delivery waits in the queue instead, a ping
 * times out). Time spent here is not the receiver's: request deadlines start once a connection is had.
 */
export interface OriginGate {
  /**
   * Resolves with the function that gives the connection back, or with undefined when none is free by
   * `deadline` (a `performance.now()` time). With `giveUpEarly`, a waiter that cannot expect a connection
   * by its deadline (the requests ahead of it, at the origin's recent pace) leaves at once.
   */
  enter(origin: string, priority: number, deadline: number, giveUpEarly: boolean): Promise<Entered | undefined>;
  /** How long a newcomer to `origin` may expect to wait, in ms (0 while a connection is free). */
  expectedWaitMs(origin: string): number;
}

/** A connection had: give it back with `release`; `waitedMs` is 0 when one was free at once. */
export interface Entered {
  readonly release: () => void;
  readonly waitedMs: number;
}

interface Waiter {
  readonly priority: number;
  readonly seq: number;
  readonly since: number;
  readonly grant: (entered: Entered | undefined) => void;
  timer: NodeJS.Timeout | undefined;
}

interface Lane {
  active: number;
  /** Sorted by (priority, seq): the head is next. */
  readonly waiting: Waiter[];
  /** How long a request holds its connection, smoothed (ms); 0 until one has finished. */
  holdMs: number;
}

const SMOOTHING = 0.2;

const before = (a: Waiter, b: Waiter) => a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);

/** Inserts in order; deliveries mostly arrive in order of receipt, so the search usually ends at the tail. */
function insert(list: Waiter[], w: Waiter): void {
  let lo = 0;
  let hi = list.length;
  if (hi > 0 && before(list[hi - 1]!, w)) lo = hi;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list[mid]!, w)) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, w);
}

export function makeOriginGate(limit: number): OriginGate {
  const lanes = new Map<string, Lane>();
  let seq = 0;

  const laneOf = (origin: string): Lane => {
    let lane = lanes.get(origin);
    if (!lane) lanes.set(origin, (lane = { active: 0, waiting: [], holdMs: 0 }));
    return lane;
  };

  const expected = (lane: Lane, ahead: number) => Math.ceil((ahead + 1) / limit) * lane.holdMs;

  function take(origin: string, lane: Lane): () => void {
    lane.active++;
    const since = performance.now();
    let given = false;
    return () => {
      if (given) return;
      given = true;
      lane.holdMs = lane.holdMs === 0 ? performance.now() - since : lane.holdMs + SMOOTHING * (performance.now() - since - lane.holdMs);
      lane.active--;
      const next = lane.waiting.shift();
      if (next) {
        clearTimeout(next.timer);
        next.grant({ release: take(origin, lane), waitedMs: Math.round(performance.now() - next.since) });
      } else if (lane.active === 0) lanes.delete(origin);
    };
  }

  return {
    enter(origin, priority, deadline, giveUpEarly) {
      const lane = laneOf(origin);
      if (lane.active < limit && lane.waiting.length === 0) return Promise.resolve({ release: take(origin, lane), waitedMs: 0 });
      const left = deadline - performance.now();
      if (left <= 0 || (giveUpEarly && expected(lane, lane.waiting.length) > left)) {
        if (lane.active === 0 && lane.waiting.length === 0) lanes.delete(origin);
        return Promise.resolve(undefined);
      }
      return new Promise((resolve) => {
        const waiter: Waiter = { priority, seq: seq++, since: performance.now(), grant: resolve, timer: undefined };
        waiter.timer = setTimeout(() => {
          const at = lane.waiting.indexOf(waiter);
          if (at >= 0) lane.waiting.splice(at, 1);
          resolve(undefined);
        }, left);
        insert(lane.waiting, waiter);
      });
    },
    expectedWaitMs(origin) {
      const lane = lanes.get(origin);
      if (!lane || (lane.active < limit && lane.waiting.length === 0)) return 0;
      return expected(lane, lane.waiting.length);
    },
  };
}
