import { registerFunction } from '../shared/runtime/register-function.js';
import { Queue } from '../shared/constants.js';
import { makeMirrorHandler } from '../shared/mirror/mirror-events.js';

/** One batch of a registry's events to the Event Grid topic, on the mirror's own retry schedule. */
registerFunction({
  kind: 'queue',
  name: 'eventgrid-mirror',
  queueName: Queue.mirror, // eventgrid-mirror
  makeHandler: makeMirrorHandler,
});
