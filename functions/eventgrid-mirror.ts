import { registerFunction } from '../shared/runtime/register-function.js';
import { mirrorFunction } from '../shared/mirror/mirror-events.js';

registerFunction(mirrorFunction);
