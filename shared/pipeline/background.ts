import type { Logger } from '../logger.js';

/** Work that outlives an invocation (dispatch, hand-offs), and the process's logger it logs through. */
export interface Background {
  /**
   * This process's log, never an invocation's: on Azure a context made outside any invocation (it writes
   * to the console), locally the host's log. Background work logs here and only here.
   */
  readonly log: Logger;
  /** What is still running; the local host and tests wait for it to drain. */
  readonly running: Set<Promise<unknown>>;
}

/** Keeps `work` in `background` until it settles. */
export function track(background: Background, work: Promise<unknown>): void {
  background.running.add(work);
  void work.finally(() => background.running.delete(work));
}
