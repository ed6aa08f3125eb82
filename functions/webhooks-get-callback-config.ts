import { registerFunction } from '../shared/runtime/register-function.js';
import { getCallbackConfigFunction } from '../shared/api/get-callback-config.js';

registerFunction(getCallbackConfigFunction);
