import type { Logger } from '../logger.js';
import type { WebhookRecord } from '../webhooks/webhook.js';
import type { AttemptDelivery, AttemptResult, AttemptTurn } from './attempt-delivery.js';
import type { DeliveryRecord } from './delivery-record.js';
import { logFailure } from './log-failure.js';

/** One delivery to send: its webhook, its record before this attempt, and the tag its log lines carry. */
export interface Send {
  readonly webhook: WebhookRecord;
  readonly record: DeliveryRecord;
  readonly tag: string;
  /** The attempt, when it is running already (a hand-off finishing what a fan-out started). */
  readonly attempt?: Promise<AttemptResult>;
  /** How it is paced: a turn kept for it, or not paced at all (a ping). */
  readonly turn?: AttemptTurn;
}

/** A send still running when the wait ended: recorded `in flight`, for the caller to hand off. */
export interface InFlight extends Send {
  readonly attempt: Promise<AttemptResult>;
}

/** A recorded attempt and its webhook: what follows up works on. */
export interface Attempted {
  readonly webhook: WebhookRecord;
  readonly result: AttemptResult;
}

export interface SendAndRecordDeps {
  /** Render, send and classify one attempt (attempt-delivery.ts; the destination and the payload format plug in there). */
  readonly attempt: AttemptDelivery;
  /**
   * What recorded attempts lead to: their retries scheduled (pipeline/follow-up.ts). Disabling a webhook is
   * not here: the attempt's health note decides it (webhooks/delivery-health.ts `disabling`).
   */
  readonly followUp: (registry: string, attempted: readonly Attempted[]) => Promise<void>;
}

export interface SendOptions {
  readonly registry: string;
  readonly sends: readonly Send[];
  /** Records written with the outcomes but not attempted (held for a disabled webhook, abandoned for a deleted one). */
  readonly unsent?: readonly DeliveryRecord[];
  /**
   * Writes the records: the sends' first, in their order, then `unsent`. Says for each whether it was
   * written (false: another owner records it, as when a fan-out's claim was taken over).
   */
  readonly record: (records: readonly DeliveryRecord[]) => Promise<readonly boolean[]>;
  /** `schedule` (the default): a retryable failure is tried again later. `never`: every outcome is final (a ping). */
  readonly retries?: 'schedule' | 'never';
  /**
   * Wait at most `waitMs` for the attempts; those still running are recorded `in flight` and given to
   * `handOff` (which must see them finished). Without it, every attempt is waited for.
   */
  readonly inline?: { readonly waitMs: number; readonly handOff: (inFlight: readonly InFlight[]) => Promise<void> };
  readonly log: Logger;
}

export interface SendReport {
  /** Each send's outcome, or undefined when it was handed off in flight. */
  readonly results: readonly (AttemptResult | undefined)[];
  /** Whether each send's record was written. */
  readonly recorded: readonly boolean[];
}

/** `put` as a `record` that writes every record (or throws). */
export const recordAll =
  (put: (records: readonly DeliveryRecord[]) => Promise<void>) =>
  async (records: readonly DeliveryRecord[]): Promise<readonly boolean[]> => {
    await put(records);
    return records.map(() => true);
  };

/**
 * The one way a delivery is sent and recorded (plan → render → send → classify → record → follow up):
 * the caller plans (which records, to which webhooks); each attempt renders, sends and classifies
 * (`deps.attempt`, which never rejects); then the outcomes are recorded, each failure logged, and what
 * they lead to followed up (retries). The fan-out, the end of a multi-arch hold, hand-offs,
 * the delivery worker, redeliver and ping all come through here.
 */
export async function sendAndRecord(deps: SendAndRecordDeps, o: SendOptions): Promise<SendReport> {
  const { attempts, results } = await settle(deps, o);
  const final = o.retries === 'never' ? results.map((r) => r && finalOutcome(r)) : results;
  const records = o.sends.map((s, i) => final[i]?.record ?? { ...s.record, lastError: 'in flight' });
  const recorded = await o.record([...records, ...(o.unsent ?? [])]);
  const attempted: Attempted[] = [];
  const inFlight: InFlight[] = [];
  for (const [i, send] of o.sends.entries()) {
    if (!recorded[i]) continue;
    const result = final[i];
    if (!result) inFlight.push({ ...send, attempt: attempts[i]! });
    else {
      // A delivery that waits for its turn has not failed: the stage's summary counts it.
      if (result.record.state !== 'succeeded' && !result.waiting) logFailure(o.log, send.tag, send.webhook, result);
      attempted.push({ webhook: send.webhook, result });
    }
  }
  await deps.followUp(o.registry, attempted);
  if (inFlight.length > 0) await o.inline?.handOff(inFlight);
  return { results: final, recorded: o.sends.map((_, i) => recorded[i] ?? false) };
}

/** Starts the attempts at once and waits for them, or until the inline budget ends. */
async function settle(deps: SendAndRecordDeps, o: SendOptions) {
  const attempts = o.sends.map((s) => s.attempt ?? deps.attempt(s.webhook, s.record, s.turn));
  return { attempts, results: await settleWithin(attempts, o.inline?.waitMs) };
}

/** Waits for all attempts, or until `budgetMs`; unfinished slots stay undefined. */
async function settleWithin<T>(promises: readonly Promise<T>[], budgetMs: number | undefined): Promise<(T | undefined)[]> {
  if (budgetMs === undefined) return Promise.all(promises);
  const results: (T | undefined)[] = new Array<T | undefined>(promises.length).fill(undefined);
  const all = Promise.all(promises.map((p, i) => p.then((r) => (results[i] = r))));
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)));
  await Promise.race([all, budget]);
  clearTimeout(timer);
  // A copy: an attempt that ends after the budget must stay unfinished here (its record says `in flight`
  // and it is handed off), not appear in the caller's results while the records are being written.
  return [...results];
}

/** An outcome with no retry to come: a pending record becomes failed. */
function finalOutcome(result: AttemptResult): AttemptResult {
  if (result.record.state !== 'pending') return result;
  return { ...result, record: { ...result.record, state: 'failed', nextAttemptAt: undefined }, retryInSeconds: undefined };
}
