import { registerFunction } from '../shared/runtime/register-function.js';
import { portalFunction } from '../shared/portal/portal-function.js';

registerFunction(portalFunction);
