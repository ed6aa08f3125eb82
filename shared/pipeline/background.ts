/** Work that outlives an invocation (hand-offs); the local host and tests wait for it to drain. */
export type Background = Set<Promise<unknown>>;

/** Keeps `work` in `background` until it settles. */
export function track(background: Background, work: Promise<unknown>): void {
  background.add(work);
  void work.finally(() => background.delete(work));
}
