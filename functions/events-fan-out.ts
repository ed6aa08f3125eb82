import { registerFunction } from '../shared/runtime/register-function.js';
import { Queue } from '../shared/constants.js';
import { makeFanOut } from '../shared/pipeline/fan-out.js';

/** Each event of a batch to every matching webhook; first attempts at once, slow ones handed off. */
registerFunction({
  kind: 'queue',
  name: 'events-fan-out',
  queueName: Queue.events, // registry-events
  makeHandler: makeFanOut,
});
