import { registerFunction } from '../shared/runtime/register-function.js';
import { deliveriesPoisonFunction } from '../shared/pipeline/functions.js';

registerFunction(deliveriesPoisonFunction);
