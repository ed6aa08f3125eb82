import { registerFunction } from '../shared/runtime/register-function.js';
import { listEventsFunction } from '../shared/api/list-events.js';

registerFunction(listEventsFunction);
