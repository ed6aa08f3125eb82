import { registerFunction } from '../shared/runtime/register-function.js';
import { Queue, poisonQueueName } from '../shared/constants.js';
import { makeRecordDeadLetter } from '../shared/pipeline/record-dead-letter.js';

/** Mirror batches the topic never took: recorded as dead letters for replay. */
registerFunction({
  kind: 'queue',
  name: 'mirror-poison',
  queueName: poisonQueueName(Queue.mirror), // eventgrid-mirror-poison
  makeHandler: makeRecordDeadLetter(Queue.mirror),
});
