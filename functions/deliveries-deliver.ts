import { registerFunction } from '../shared/runtime/register-function.js';
import { Queue } from '../shared/constants.js';
import { makeDeliver } from '../shared/pipeline/deliver.js';

/** Retries when due, and hand-offs a fan-out could not finish: the next attempt of each delivery. */
registerFunction({
  kind: 'queue',
  name: 'deliveries-deliver',
  queueName: Queue.deliveries, // webhook-deliveries
  makeHandler: makeDeliver,
});
