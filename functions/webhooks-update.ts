import { registerFunction } from '../shared/runtime/register-function.js';
import { updateWebhookFunction } from '../shared/api/update-webhook.js';

registerFunction(updateWebhookFunction);
