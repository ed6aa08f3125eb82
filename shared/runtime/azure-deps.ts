import { loadConfig } from '../config.js';
import { makeDeps, type Deps } from './deps.js';

let deps: Promise<Deps> | undefined;

/**
 * The composition root under a Functions host: settings read from the environment once, on the first
 * invocation, and dependencies built once per worker process. A failure is not cached, so a transient
 * storage outage at start-up does not wedge the worker.
 */
export function azureDeps(): Promise<Deps> {
  deps ??= Promise.resolve()
    .then(() => makeDeps(loadConfig(process.env)))
    .catch((err: unknown) => {
      deps = undefined;
      throw err;
    });
  return deps;
}

/** Under a real host, bad settings should stop the worker at load with the message in the host log. */
export function failFastUnderHost(): void {
  if (process.env['FUNCTIONS_WORKER_RUNTIME']) loadConfig(process.env);
}
