import { registerFunction } from '../shared/runtime/register-function.js';
import { ingestEventsFunction } from '../shared/api/ingest-events.js';

registerFunction(ingestEventsFunction);
