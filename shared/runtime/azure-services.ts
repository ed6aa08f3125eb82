import { loadConfig } from '../config.js';
import { makeServices } from './services.js';
import { onceUnlessFailed } from './once-unless-failed.js';

/**
 * The services under a Functions host: settings read from the environment once, on the first
 * invocation, and built once per worker process (again after a failure).
 */
export const azureServices = onceUnlessFailed(() => makeServices(loadConfig(process.env)));

/** Under a real host, bad settings should stop the worker at load with the message in the host log. */
export function failFastUnderHost(): void {
  if (process.env['FUNCTIONS_WORKER_RUNTIME']) loadConfig(process.env);
}
