/*
 * The one renewal loop: a lease (a queue message's invisibility, a fan-out's claims) renewed at half its
 * length while work runs. Renewals run one after another (each may need what the one before returned,
 * such as a new pop receipt) and `stop` waits for one in flight, so what follows never races a renewal.
 */

export interface Renewing {
  /** Ends the renewals and waits for one in flight. */
  stop(): Promise<void>;
}

/** Runs `renew` every `everyMs` until stopped; a failed renewal goes to `onError` and the next one runs on time. */
export function keepRenewing(everyMs: number, renew: () => Promise<void>, onError: (err: unknown) => void): Renewing {
  let chain: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    chain = chain.then(renew).catch(onError);
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await chain;
    },
  };
}
