import { registerFunction } from '../shared/runtime/register-function.js';
import { mirrorPoisonFunction } from '../shared/pipeline/functions.js';

registerFunction(mirrorPoisonFunction);
