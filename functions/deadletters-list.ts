import { registerFunction } from '../shared/runtime/register-function.js';
import { listDeadLettersFunction } from '../shared/api/dead-letters.js';

registerFunction(listDeadLettersFunction);
