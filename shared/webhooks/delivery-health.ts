import { z } from 'zod';
import { boundedMemo } from '../bounded-memo.js';

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
  /** The event of the first attempt the endpoint answered 410 Gone (it asks to stop for good). */
  readonly goneAtEvent: string | undefined;
}

export const NOTHING_OBSERVED: Observed = {
  sawSuccess: false,
  lastSuccessAt: undefined,
  lastFailureAt: undefined,
  failuresSinceSuccess: 0,
  firstFailureSinceSuccess: undefined,
  goneAtEvent: undefined,
};

const max = (a: string | undefined, b: string | undefined) => (a === undefined ? b : b === undefined ? a : a > b ? a : b);

/** One attempt's outcome as health counts it: it succeeded, or failed, and whether the endpoint answered 410 Gone. */
export interface AttemptSeen {
  readonly succeeded: boolean;
  /** Ended at (ISO time). */
  readonly at: string;
  /** Set when the endpoint answered 410 Gone: the attempt's event. */
  readonly goneAtEvent?: string;
}

/** Adds one attempt's outcome. Built field by field, not spread: it runs once per delivery attempt. */
export function observe(seen: Observed, attempt: AttemptSeen): Observed {
  const { succeeded, at } = attempt;
  const goneAtEvent = seen.goneAtEvent ?? attempt.goneAtEvent;
  if (succeeded) {
    return {
      sawSuccess: true,
      lastSuccessAt: max(seen.lastSuccessAt, at),
      lastFailureAt: seen.lastFailureAt,
      failuresSinceSuccess: 0,
      firstFailureSinceSuccess: undefined,
      goneAtEvent,
    };
  }
  return {
    sawSuccess: seen.sawSuccess,
    lastSuccessAt: seen.lastSuccessAt,
    lastFailureAt: max(seen.lastFailureAt, at),
    failuresSinceSuccess: seen.failuresSinceSuccess + 1,
    firstFailureSinceSuccess: seen.firstFailureSinceSuccess ?? at,
    goneAtEvent,
  };
}

/** `earlier` then `later` observations, as one (a failed write puts its observations back). */
export function mergeObserved(earlier: Observed, later: Observed): Observed {
  const goneAtEvent = earlier.goneAtEvent ?? later.goneAtEvent;
  if (later.sawSuccess) return { ...later, lastFailureAt: max(earlier.lastFailureAt, later.lastFailureAt), goneAtEvent };
  return {
    goneAtEvent,
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
  // A 410 disables the webhook: at once.
  if (seen.goneAtEvent !== undefined) return true;
  if (!seen.sawSuccess && seen.failuresSinceSuccess === 0) return false;
  // The usual case, a healthy webhook's successes: no change of state, only the stamp's age decides (as
  // below), without building the next health on every attempt.
  if (seen.failuresSinceSuccess === 0 && !isFailing(stored)) return stampDue(stored.lastSuccessAt, nowMs, intervalMs);
  const next = applyObserved(stored, seen);
  if (isFailing(stored) !== isFailing(next)) return true;
  return stampDue(isFailing(next) ? stored.lastFailureAt : stored.lastSuccessAt, nowMs, intervalMs);
}

/** A stored stamp parsed once, not on every attempt (it changes only when the health is written). */
const stampMs = boundedMemo(10_000, Date.parse);

const stampDue = (stamp: string | undefined, nowMs: number, intervalMs: number) =>
  stamp === undefined || nowMs - stampMs(stamp) >= intervalMs;

/** Why the service disables a webhook, and the reason its `properties.statusReason` shows. */
export interface Disabling {
  readonly why: 'gone' | 'failing';
  readonly reason: string;
}

/**
 * The one place that decides to disable a webhook, as its health is written: its endpoint answered 410
 * Gone (gone for good, as Standard Webhooks, Svix and GitHub treat it), or it has failed every attempt
 * for AUTO_DISABLE_AFTER_HOURS. Enabling it again (PATCH status enabled) clears the reason.
 */
export function disabling(o: { health: DeliveryHealth; seen: Observed; now: Date; autoDisableAfterHours: number }): Disabling | undefined {
  const now = o.now.toISOString();
  if (o.seen.goneAtEvent !== undefined) {
    const reason = `Disabled by the service at ${now}: the endpoint answered 410 Gone to event ${o.seen.goneAtEvent}. Enable the webhook again once the endpoint is back.`;
    return { why: 'gone', reason };
  }
  if (!autoDisableDue(o.health, o.now.getTime(), o.autoDisableAfterHours)) return undefined;
  return { why: 'failing', reason: autoDisableReason(o.health, now, o.autoDisableAfterHours) };
}

/** Whether a webhook has failed every attempt for `hours` (AUTO_DISABLE_AFTER_HOURS; 0 turns it off). */
function autoDisableDue(health: DeliveryHealth, nowMs: number, hours: number): boolean {
  if (hours <= 0 || health.failingSince === undefined) return false;
  return nowMs - Date.parse(health.failingSince) >= hours * 3_600_000;
}

/** The reason shown in `properties.statusReason` when the service disables a failing webhook. */
function autoDisableReason(health: DeliveryHealth, now: string, hours: number): string {
  return `Disabled by the service at ${now}: every delivery attempt failed since ${health.failingSince ?? now} (${health.consecutiveFailures} in a row, AUTO_DISABLE_AFTER_HOURS=${hours}). Events that match it are held; fix the endpoint, enable the webhook, then recover them with POST .../recover {"since": "<time>"}.`;
}
