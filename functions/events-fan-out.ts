import { registerFunction } from '../shared/runtime/register-function.js';
import { fanOutFunction } from '../shared/pipeline/functions.js';

registerFunction(fanOutFunction);
