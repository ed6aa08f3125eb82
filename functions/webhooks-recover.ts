import { registerFunction } from '../shared/runtime/register-function.js';
import { recoverDeliveriesFunction } from '../shared/api/recover-deliveries.js';

registerFunction(recoverDeliveriesFunction);
