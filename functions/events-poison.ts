import { registerFunction } from '../shared/runtime/register-function.js';
import { eventsPoisonFunction } from '../shared/pipeline/functions.js';

registerFunction(eventsPoisonFunction);
