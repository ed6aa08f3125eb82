import { registerFunction } from '../shared/runtime/register-function.js';
import { redeliverEventFunction } from '../shared/api/redeliver-event.js';

registerFunction(redeliverEventFunction);
