/**
 * Turns per key, in the order asked: `enter(key)` resolves once every earlier holder of that key has
 * released. The fan-outs of one registry take turns to plan, so the deliveries of an earlier ingest batch
 * join their ordered lanes (delivery/ordered-lanes.ts) before a later batch's do.
 */
export interface Turns {
  enter(key: string): Promise<() => void>;
}

export function makeTurns(): Turns {
  const last = new Map<string, Promise<void>>();
  return {
    async enter(key) {
      const before = last.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      const chained = before.then(() => mine);
      last.set(key, chained);
      await before;
      return () => {
        release();
        if (last.get(key) === chained) last.delete(key);
      };
    },
  };
}
