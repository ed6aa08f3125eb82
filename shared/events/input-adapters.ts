import type { InputAdapter } from './normalize.js';
import { cncfAdapter } from './normalize-cncf.js';
import { acrAdapter } from './normalize-acr.js';

/** Input formats the ingest reads, tried in order; the first that takes the content type wins. */
export const inputAdapters: readonly InputAdapter[] = [cncfAdapter, acrAdapter];
