import { registerFunction } from '../shared/runtime/register-function.js';
import { pingWebhookFunction } from '../shared/api/ping-webhook.js';

registerFunction(pingWebhookFunction);
