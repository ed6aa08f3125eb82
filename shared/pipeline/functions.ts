import type { QueueFunctionDeclaration } from '../runtime/declaration.js';
import { Queue, poisonQueueName } from '../constants.js';
import { makePoisonHandler } from './dead-letters.js';
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

/** Poison trigger on `registry-events-poison`: records the dead message for inspection and replay. */
export const eventsPoisonFunction: QueueFunctionDeclaration = {
  kind: 'queue',
  name: 'events-poison',
  queueName: poisonQueueName(Queue.events),
  makeHandler: makePoisonHandler(Queue.events),
};

/** Poison trigger on `webhook-deliveries-poison`: records it and fails the deliveries it carried. */
export const deliveriesPoisonFunction: QueueFunctionDeclaration = {
  kind: 'queue',
  name: 'deliveries-poison',
  queueName: poisonQueueName(Queue.deliveries),
  makeHandler: makePoisonHandler(Queue.deliveries),
};

/** Poison trigger on `eventgrid-mirror-poison`: records mirror batches the topic never took, for replay. */
export const mirrorPoisonFunction: QueueFunctionDeclaration = {
  kind: 'queue',
  name: 'mirror-poison',
  queueName: poisonQueueName(Queue.mirror),
  makeHandler: makePoisonHandler(Queue.mirror),
};
