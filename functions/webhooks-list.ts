import { registerFunction } from '../shared/runtime/register-function.js';
import { listWebhooksFunction } from '../shared/api/list-webhooks.js';

registerFunction(listWebhooksFunction);
