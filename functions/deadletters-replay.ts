import { registerFunction } from '../shared/runtime/register-function.js';
import { replayDeadLetterFunction } from '../shared/api/dead-letters.js';

registerFunction(replayDeadLetterFunction);
