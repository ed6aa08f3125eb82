/**
 * The host's batching: a new batch is fetched only when the messages in flight have fallen to
 * `newBatchThreshold`. Keeps the running invocations so a stop can wait for them.
 */
export function makeInFlight(threshold: number) {
  const running = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  return {
    /** True while more than `threshold` messages are in flight: no batch is fetched then. */
    full(): boolean {
      return running.size > threshold;
    },
    /** Resolves when an invocation settles, or on `interrupt()`. */
    settled(): Promise<void> {
      return new Promise<void>((resolve) => (wake = resolve));
    },
    add(work: Promise<void>): void {
      const p = work.finally(() => {
        running.delete(p);
        wake?.();
        wake = undefined;
      });
      running.add(p);
    },
    /** Wakes a waiting `settled()` (on stop). */
    interrupt(): void {
      wake?.();
      wake = undefined;
    },
    async drain(): Promise<void> {
      await Promise.all(running);
    },
  };
}
