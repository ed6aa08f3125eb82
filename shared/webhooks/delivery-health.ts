import { z } from 'zod';

/**
 * A webhook's delivery health, as `properties.deliveryHealth` shows it. Attempts count one by one (a
 * retry that fails is a failure); `failingSince` is the first failure after the last success, unset while
 * the endpoint is healthy, and it is what auto-disable measures.
 */
export const deliveryHealthSchema = z.object({
  consecutiveFailures: z.number().int().min(0),
  lastSuccessAt: z.string().optional(),
  lastFailureAt: z.string().optional(),
  failingSince: z.string().optional(),
});
export type DeliveryHealth = z.infer<typeof deliveryHealthSchema>;

export const HEALTHY: DeliveryHealth = { consecutiveFailures: 0 };

/** Attempts seen since the health was last written, folded in the order they ended. */
export interface Observed {
  readonly sawSuccess: boolean;
  readonly lastSuccessAt: string | undefined;
  readonly lastFailureAt: string | undefined;
  /** Failures after the last success seen (all of them when none was). */
  readonly failuresSinceSuccess: number;
  readonly firstFailureSinceSuccess: string | undefined;
}

export const NOTHING_OBSERVED: Observed = {
  sawSuccess: false,
  lastSuccessAt: undefined,
  lastFailureAt: undefined,
  failuresSinceSuccess: 0,
  firstFailureSinceSuccess: undefined,
};

const max = (a: string | undefined, b: string | undefined) => (a === undefined ? b : b === undefined ? a : a > b ? a : b);

/** Adds one attempt's outcome, ended at `at` (ISO time). */
export function observe(seen: Observed, succeeded: boolean, at: string): Observed {
  if (succeeded) {
    return {
      ...seen,
      sawSuccess: true,
      lastSuccessAt: max(seen.lastSuccessAt, at),
      failuresSinceSuccess: 0,
      firstFailureSinceSuccess: undefined,
    };
  }
  return {
    ...seen,
    lastFailureAt: max(seen.lastFailureAt, at),
    failuresSinceSuccess: seen.failuresSinceSuccess + 1,
    firstFailureSinceSuccess: seen.firstFailureSinceSuccess ?? at,
  };
}

/** `earlier` then `later` observations, as one (a failed write puts its observations back). */
export function mergeObserved(earlier: Observed, later: Observed): Observed {
  if (later.sawSuccess) return { ...later, lastFailureAt: max(earlier.lastFailureAt, later.lastFailureAt) };
  return {
    sawSuccess: earlier.sawSuccess,
    lastSuccessAt: earlier.lastSuccessAt,
    lastFailureAt: max(earlier.lastFailureAt, later.lastFailureAt),
    failuresSinceSuccess: earlier.failuresSinceSuccess + later.failuresSinceSuccess,
    firstFailureSinceSuccess: earlier.firstFailureSinceSuccess ?? later.firstFailureSinceSuccess,
  };
}

/** The stored health after what was observed since. */
export function applyObserved(health: DeliveryHealth, seen: Observed): DeliveryHealth {
  const failingSince = seen.sawSuccess ? seen.firstFailureSinceSuccess : (health.failingSince ?? seen.firstFailureSinceSuccess);
  const lastSuccessAt = max(health.lastSuccessAt, seen.lastSuccessAt);
  const lastFailureAt = max(health.lastFailureAt, seen.lastFailureAt);
  return {
    consecutiveFailures: seen.sawSuccess ? seen.failuresSinceSuccess : health.consecutiveFailures + seen.failuresSinceSuccess,
    ...(lastSuccessAt ? { lastSuccessAt } : {}),
    ...(lastFailureAt ? { lastFailureAt } : {}),
    ...(failingSince ? { failingSince } : {}),
  };
}

/** After an owner enables a webhook again: the failure streak starts over (auto-disable measures afresh). */
export function restartStreak(health: DeliveryHealth): DeliveryHealth {
  const { failingSince: _dropped, ...rest } = health;
  return { ...rest, consecutiveFailures: 0 };
}

const isFailing = (health: DeliveryHealth) => health.failingSince !== undefined;

/**
 * Whether the observations must be written now. A change of state (the first failure after a success,
 * or a success after failures) is written at once; otherwise the stored time (last success while
 * healthy, last failure while failing) is refreshed at most once per `intervalMs`. So a healthy webhook
 * costs no storage call per delivery, and the health shown is exact in state and within the interval in
 * its times and count.
 */
export function writeDue(stored: DeliveryHealth, seen: Observed, nowMs: number, intervalMs: number): boolean {
  if (!seen.sawSuccess && seen.failuresSinceSuccess === 0) return false;
  const next = applyObserved(stored, seen);
  if (isFailing(stored) !== isFailing(next)) return true;
  const stamp = isFailing(next) ? stored.lastFailureAt : stored.lastSuccessAt;
  return stamp === undefined || nowMs - Date.parse(stamp) >= intervalMs;
}

/** Whether a webhook has failed every attempt for `hours` (AUTO_DISABLE_AFTER_HOURS; 0 turns it off). */
export function autoDisableDue(health: DeliveryHealth, nowMs: number, hours: number): boolean {
  if (hours <= 0 || health.failingSince === undefined) return false;
  return nowMs - Date.parse(health.failingSince) >= hours * 3_600_000;
}

/** The reason shown in `properties.statusReason` when the service disables a failing webhook. */
export function autoDisableReason(health: DeliveryHealth, now: string, hours: number): string {
  return `Disabled by the service at ${now}: every delivery attempt failed since ${health.failingSince ?? now} (${health.consecutiveFailures} in a row, AUTO_DISABLE_AFTER_HOURS=${hours}). Events that match it are held; fix the endpoint, enable the webhook, then recover them with POST .../recover {"since": "<time>"}.`;
}
