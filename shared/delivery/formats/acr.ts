import type { PayloadRenderer } from './payload-format.js';

/** ACR's own payload: one bare JSON event (the default, and every webhook made before formats existed). */
export const renderAcr: PayloadRenderer = (payload) => ({ body: JSON.stringify(payload), contentType: 'application/json' });
