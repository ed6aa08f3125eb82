import { registerFunction } from '../shared/runtime/register-function.js';
import { Queue, poisonQueueName } from '../shared/constants.js';
import { makeRecordDeadLetter } from '../shared/pipeline/record-dead-letter.js';

/** Event batches that could not be fanned out: recorded as dead letters for inspection and replay. */
registerFunction({
  kind: 'queue',
  name: 'events-poison',
  queueName: poisonQueueName(Queue.events), // registry-events-poison
  makeHandler: makeRecordDeadLetter(Queue.events),
});
