import type { InputAdapter } from './normalize.js';
import { cncfAdapter } from './normalize-cncf.js';
import { eventGridAdapter } from './normalize-eventgrid.js';
import { cloudEventsAdapter } from './normalize-cloudevents.js';
import { acrAdapter } from './normalize-acr.js';
import { harborAdapter, harborCloudEventsAdapter } from './normalize-harbor.js';

/**
 * Input formats the ingest reads, tried in order: the first that accepts the request and recognises the
 * body wins. Harbor and Event Grid come before plain ACR events, which share application/json and take
 * what is left; Harbor's CloudEvents (a `harbor.` type) before Event Grid's.
 */
export const inputAdapters: readonly InputAdapter[] = [
  cncfAdapter,
  harborAdapter,
  eventGridAdapter,
  harborCloudEventsAdapter,
  cloudEventsAdapter,
  acrAdapter,
];
