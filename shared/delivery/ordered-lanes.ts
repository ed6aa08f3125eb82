/*
 * One repository's events to one destination, in order of receipt. A destination that keeps order (a
 * Service Bus session, an Event Hubs partition key) keeps the order it is sent in, so the service sends a
 * lane (a webhook and a repository's ordering key) one delivery at a time: the lane's unfinished
 * deliveries are a list, shared by every worker through one table row, and only its head is sent. The
 * others wait in the delivery queue as `pending` (waiting "behind older deliveries of its repository");
 * when the head is done (succeeded, or failed for good) it leaves the list and the next head is sent at
 * once. A head that retries keeps its place, so the deliveries behind it wait for its retries. A waiting
 * delivery also comes back now and then and looks at its head: a head no longer pending (a crash between
 * its record and its leaving, a webhook disabled meanwhile) is dropped, so a lane never stays stuck.
 */

/** A delivery in a lane: its id, and its attempts when it joined (the next head is due its next attempt). */
export interface LaneEntry {
  readonly receivedMs: number;
  readonly eventId: string;
  readonly attempts: number;
  /** When it joined (epoch ms); set by `turn`. */
  readonly joinedMs?: number;
}

/** The list of a lane's unfinished deliveries; storage implements it (storage/lane-store.ts). */
export interface LaneStore {
  /** Appends the entries not in the lane yet, in the order given; returns the lane as it is then. */
  join(registry: string, webhook: string, key: string, entries: readonly LaneEntry[]): Promise<readonly LaneEntry[]>;
  /** Removes these deliveries (when there); returns the lane as it is then. */
  leave(
    registry: string,
    webhook: string,
    key: string,
    gone: readonly Pick<LaneEntry, 'receivedMs' | 'eventId'>[],
  ): Promise<readonly LaneEntry[]>;
}

interface LaneWebhook {
  readonly registryName: string;
  readonly name: string;
}

export interface OrderedLanes {
  /** Joins the delivery to its lane (one write for all that ask in one turn of the event loop); true when it is the head. */
  turn(webhook: LaneWebhook, key: string, entry: LaneEntry): Promise<boolean>;
  /** The delivery is done: it leaves its lane; returns the new head, to be sent now. */
  finished(webhook: LaneWebhook, key: string, entry: LaneEntry): Promise<LaneEntry | undefined>;
}

export interface OrderedLanesDeps {
  readonly store: LaneStore;
  /** Epoch ms. */
  readonly now: () => number;
  /** Whether a delivery is still pending (its record's state); a head that is not is dropped from its lane. */
  readonly pending: (registry: string, webhook: string, entry: LaneEntry) => Promise<boolean>;
}

/**
 * A head is looked at (is it still pending?) only once it has been in its lane this long: a newer one may
 * not have its record written yet (a fan-out writes its records after its attempts).
 */
const HEAD_CHECK_AFTER_MS = 60_000;

const same = (a: Pick<LaneEntry, 'receivedMs' | 'eventId'>, b: Pick<LaneEntry, 'receivedMs' | 'eventId'>) =>
  a.receivedMs === b.receivedMs && a.eventId === b.eventId;

interface Asking {
  readonly entry: LaneEntry;
  readonly seq: number;
  readonly resolve: (lane: readonly LaneEntry[]) => void;
  readonly reject: (err: unknown) => void;
}

export function makeOrderedLanes(deps: OrderedLanesDeps): OrderedLanes {
  const asking = new Map<string, Asking[]>();
  let seq = 0;

  async function join(webhook: LaneWebhook, key: string, batch: Asking[]): Promise<void> {
    batch.sort((a, b) => a.entry.receivedMs - b.entry.receivedMs || a.seq - b.seq);
    try {
      const lane = await deps.store.join(
        webhook.registryName,
        webhook.name,
        key,
        batch.map((a) => a.entry),
      );
      for (const a of batch) a.resolve(lane);
    } catch (err) {
      for (const a of batch) a.reject(err);
    }
  }

  function joined(webhook: LaneWebhook, key: string, entry: LaneEntry): Promise<readonly LaneEntry[]> {
    const id = `${webhook.registryName.toLowerCase()}/${webhook.name.toLowerCase()}/${key}`;
    return new Promise((resolve, reject) => {
      let batch = asking.get(id);
      if (!batch) {
        asking.set(id, (batch = []));
        setImmediate(() => {
          asking.delete(id);
          void join(webhook, key, batch!);
        });
      }
      batch.push({ entry, seq: seq++, resolve, reject });
    });
  }

  return {
    async turn(webhook, key, entry) {
      let lane = await joined(webhook, key, { ...entry, joinedMs: deps.now() });
      // A head that is no longer pending was finished without leaving (or held): drop it, look again.
      for (let checks = 0; checks < 8; checks++) {
        const head = lane[0];
        if (!head || same(head, entry)) return true;
        if ((head.joinedMs ?? 0) > deps.now() - HEAD_CHECK_AFTER_MS) return false;
        if (await deps.pending(webhook.registryName, webhook.name, head)) return false;
        lane = await deps.store.leave(webhook.registryName, webhook.name, key, [head]);
      }
      return false;
    },
    async finished(webhook, key, entry) {
      const lane = await deps.store.leave(webhook.registryName, webhook.name, key, [entry]);
      return lane[0];
    },
  };
}
