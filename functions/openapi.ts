import { registerFunction } from '../shared/runtime/register-function.js';
import { openApiFunction } from '../shared/api/openapi.js';

registerFunction(openApiFunction);
