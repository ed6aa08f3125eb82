import { registerFunction } from '../shared/runtime/register-function.js';
import { getWebhookFunction } from '../shared/api/get-webhook.js';

registerFunction(getWebhookFunction);
