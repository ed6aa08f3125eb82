import { registerFunction } from '../shared/runtime/register-function.js';
import { deliverFunction } from '../shared/pipeline/functions.js';

registerFunction(deliverFunction);
