import { registerFunction } from '../shared/runtime/register-function.js';
import { Queue, poisonQueueName } from '../shared/constants.js';
import { makeRecordDeadLetter } from '../shared/pipeline/record-dead-letter.js';

/** Delivery messages given up on: recorded as dead letters, and the deliveries they carried failed. */
registerFunction({
  kind: 'queue',
  name: 'deliveries-poison',
  queueName: poisonQueueName(Queue.deliveries), // webhook-deliveries-poison
  makeHandler: makeRecordDeadLetter(Queue.deliveries),
});
