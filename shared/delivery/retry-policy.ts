import type { PostOutcome } from './post-json.js';

/**
 * The retry policy is data plus predicates, apart from the handler: `schedule` holds the delay before each retry,
 * in seconds; a delivery gets `schedule.length + 1` attempts in all.
 */
export interface RetryPolicy {
  readonly schedule: readonly number[];
  /** Largest `Retry-After` honoured, in seconds. */
  readonly maxRetryAfterSeconds: number;
  /** Jitter as a fraction of each delay (0.2 = ±20 %). */
  readonly jitter: number;
}

/** Success is 2xx only; redirects are not followed, so a 3xx is a failure. */
export function isSuccess(outcome: PostOutcome): boolean {
  return outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300;
}

/** Network errors, timeouts, 408, 429 and 5xx may go better later; other answers are final. */
export function isRetryable(outcome: PostOutcome): boolean {
  if (outcome.kind === 'error') return outcome.reason !== 'refused';
  return outcome.status === 408 || outcome.status === 429 || outcome.status >= 500;
}

/** What a response's `Retry-After` asks for, in seconds (a number or an HTTP date); undefined without one. */
export function retryAfterSeconds(outcome: PostOutcome, now: Date): number | undefined {
  if (outcome.kind !== 'response') return undefined;
  const value = outcome.headers['retry-after'];
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/**
 * Seconds to wait before attempt `attempt + 1` (attempts count from 1), or undefined when the schedule
 * is exhausted. `Retry-After` wins when it asks for longer, up to the cap.
 */
export function nextDelaySeconds(
  policy: RetryPolicy,
  attempt: number,
  outcome: PostOutcome,
  now: Date,
  random = Math.random,
): number | undefined {
  const base = policy.schedule[attempt - 1];
  if (base === undefined) return undefined;
  const jittered = base * (1 + policy.jitter * (2 * random() - 1));
  const asked = retryAfterSeconds(outcome, now);
  const delay = asked !== undefined ? Math.max(jittered, Math.min(asked, policy.maxRetryAfterSeconds)) : jittered;
  return Math.max(0, Math.round(delay * 1000) / 1000);
}
