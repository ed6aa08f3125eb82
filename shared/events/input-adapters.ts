import type { InputAdapter } from './normalize.js';
import { cncfAdapter } from './normalize-cncf.js';
import { eventGridAdapter } from './normalize-eventgrid.js';
import { cloudEventsAdapter } from './normalize-cloudevents.js';
import { acrAdapter } from './normalize-acr.js';

/**
 * Input formats the ingest reads, tried in order: the first that accepts the request and recognises the
 * body wins. Event Grid comes before plain ACR events, which share application/json and take what is left.
 */
export const inputAdapters: readonly InputAdapter[] = [cncfAdapter, eventGridAdapter, cloudEventsAdapter, acrAdapter];
