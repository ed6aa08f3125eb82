import type { QueueFunctionDeclaration } from '../runtime/declaration.js';
import { Queue } from '../constants.js';
import { makeFanOut } from './fan-out.js';
import { makeDeliver } from './deliver.js';

/** Queue trigger on `registry-events`: one event to every matching webhook. */
export const fanOutFunction: QueueFunctionDeclaration = {
  kind: 'queue',
  name: 'events-fan-out',
  queueName: Queue.events,
  makeHandler: makeFanOut,
};

/** Queue trigger on `webhook-deliveries`: retries and hand-offs, one attempt per message. */
export const deliverFunction: QueueFunctionDeclaration = {
  kind: 'queue',
  name: 'deliveries-deliver',
  queueName: Queue.deliveries,
  makeHandler: makeDeliver,
};
