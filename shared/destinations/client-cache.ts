/** SDK clients kept open between sends, at most this many (the least recently used is closed first). */
const MAX_CLIENTS = 200;

export interface ClientCache<T> {
  /** The client for `key`, opened on first use. */
  get(key: string, open: () => T): T;
  /** Closes every client (shutdown). */
  close(): Promise<void>;
}

/**
 * One SDK client per (entity, credential): opening an AMQP connection (or a storage pipeline) per send would
 * cost a handshake and a token each time. Keyed by the entity's URL and the connection string, so a
 * webhook whose credential changes gets a new client; the old one ages out.
 */
export function makeClientCache<T>(closeClient: (client: T) => Promise<void>): ClientCache<T> {
  const clients = new Map<string, T>();
  const quietly = (client: T) => closeClient(client).catch(() => undefined);
  return {
    get(key, open) {
      const found = clients.get(key);
      if (found !== undefined) {
        // Most recently used last: Map keeps insertion order.
        clients.delete(key);
        clients.set(key, found);
        return found;
      }
      const client = open();
      clients.set(key, client);
      if (clients.size > MAX_CLIENTS) {
        const [oldestKey, oldest] = clients.entries().next().value!;
        clients.delete(oldestKey);
        void quietly(oldest);
      }
      return client;
    },
    async close() {
      const all = [...clients.values()];
      clients.clear();
      await Promise.all(all.map(quietly));
    },
  };
}
