import { startAzurite } from '../local/azurite.js';

/*
 * Azurite for the benchmarks, in its own process (lib/bench-storage.ts): storage is another machine in production, so its CPU
 * should not be billed to the host being measured. Reports its connection string, queue and table endpoints and, on request, how
 * many requests each service has served (the storage calls).
 */
const azurite = await startAzurite();
process.send?.({
  type: 'ready',
  connectionString: azurite.connectionString,
  queueEndpoint: azurite.queueEndpoint,
  tableEndpoint: azurite.tableEndpoint,
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'counts') process.send?.({ type: 'counts', counts: azurite.requestCounts() });
  if (m.type === 'stop') void azurite.close().then(() => process.exit(0));
});
// The benchmark ended without stopping it (it failed): do not outlive it.
process.on('disconnect', () => process.exit(0));
