import { describe, expect, it } from 'vitest';
import {
  HEALTHY,
  NOTHING_OBSERVED,
  applyObserved,
  disabling,
  mergeObserved,
  observe,
  restartStreak,
  writeDue,
  type Observed,
} from '../../shared/webhooks/delivery-health.js';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const ms = (s: number) => Date.parse(t(s));
const seen = (...outcomes: [boolean, number][]): Observed =>
  outcomes.reduce((o, [ok, s]) => observe(o, { succeeded: ok, at: t(s) }), NOTHING_OBSERVED);

describe('applyObserved', () => {
  it('a first failure starts a streak', () => {
    expect(applyObserved(HEALTHY, seen([false, 1]))).toEqual({ consecutiveFailures: 1, lastFailureAt: t(1), failingSince: t(1) });
  });
  it('failures add to a streak and keep its start', () => {
    const failing = { consecutiveFailures: 2, lastFailureAt: t(2), failingSince: t(1) };
    expect(applyObserved(failing, seen([false, 5], [false, 6]))).toEqual({
      consecutiveFailures: 4,
      lastFailureAt: t(6),
      failingSince: t(1),
    });
  });
  it('a success ends the streak; failures after it start a new one', () => {
    const failing = { consecutiveFailures: 7, lastFailureAt: t(2), failingSince: t(1) };
    expect(applyObserved(failing, seen([false, 3], [true, 4]))).toEqual({
      consecutiveFailures: 0,
      lastSuccessAt: t(4),
      lastFailureAt: t(3),
    });
    expect(applyObserved(failing, seen([true, 4], [false, 5]))).toEqual({
      consecutiveFailures: 1,
      lastSuccessAt: t(4),
      lastFailureAt: t(5),
      failingSince: t(5),
    });
  });
});

describe('writeDue: no storage call per delivery on the success path', () => {
  const healthy = { consecutiveFailures: 0, lastSuccessAt: t(0) };
  it('writes nothing for successes within the interval', () => {
    expect(writeDue(healthy, seen([true, 10], [true, 20]), ms(30), 60_000)).toBe(false);
  });
  it('refreshes lastSuccessAt once the interval has passed', () => {
    expect(writeDue(healthy, seen([true, 61]), ms(61), 60_000)).toBe(true);
  });
  it('writes a change of state at once: the first failure, and the recovery', () => {
    expect(writeDue(healthy, seen([false, 1]), ms(1), 60_000)).toBe(true);
    const failing = { consecutiveFailures: 3, lastFailureAt: t(2), failingSince: t(1) };
    expect(writeDue(failing, seen([true, 3]), ms(3), 60_000)).toBe(true);
    expect(writeDue(failing, seen([false, 3]), ms(3), 60_000)).toBe(false);
  });
  it('writes nothing when nothing was observed', () => {
    expect(writeDue(HEALTHY, NOTHING_OBSERVED, ms(1000), 0)).toBe(false);
  });
});

describe('mergeObserved', () => {
  it('is the same as observing both in order', () => {
    const a: [boolean, number][] = [
      [false, 1],
      [true, 2],
      [false, 3],
    ];
    const b: [boolean, number][] = [
      [false, 4],
      [false, 5],
    ];
    expect(mergeObserved(seen(...a), seen(...b))).toEqual(seen(...a, ...b));
    expect(mergeObserved(seen(...b), seen(...a))).toEqual(seen(...b, ...a));
  });
});

describe('disabling', () => {
  const failing = { consecutiveFailures: 9, failingSince: t(0) };
  const why = (health: typeof failing | typeof HEALTHY, nowMs: number, hours: number, seenNow = NOTHING_OBSERVED) =>
    disabling({ health, seen: seenNow, now: new Date(nowMs), autoDisableAfterHours: hours })?.why;
  it('after the given hours of failures only', () => {
    expect(why(failing, ms(0) + 120 * 3_600_000, 120)).toBe('failing');
    expect(why(failing, ms(0) + 119 * 3_600_000, 120)).toBeUndefined();
    expect(why({ consecutiveFailures: 0 }, ms(0) + 1e12, 120)).toBeUndefined();
  });
  it('never with 0', () => {
    expect(why(failing, ms(0) + 1e12, 0)).toBeUndefined();
  });
  it('at once when the endpoint answered 410 Gone, naming the event, with or without auto-disable', () => {
    const gone = observe(NOTHING_OBSERVED, { succeeded: false, at: t(1), goneAtEvent: 'evt-1' });
    expect(writeDue(HEALTHY, gone, ms(1), 60_000)).toBe(true);
    expect(why(HEALTHY, ms(1), 0, gone)).toBe('gone');
    expect(disabling({ health: HEALTHY, seen: gone, now: new Date(ms(1)), autoDisableAfterHours: 0 })?.reason).toBe(
      `Disabled by the service at ${t(1)}: the endpoint answered 410 Gone to event evt-1. Enable the webhook again once the endpoint is back.`,
    );
    // A write that failed puts the 410 back with what came since.
    expect(mergeObserved(gone, seen([true, 2])).goneAtEvent).toBe('evt-1');
  });
  it('measures afresh after the owner enables the webhook again', () => {
    expect(restartStreak({ consecutiveFailures: 9, failingSince: t(0), lastFailureAt: t(9) })).toEqual({
      consecutiveFailures: 0,
      lastFailureAt: t(9),
    });
  });
});
