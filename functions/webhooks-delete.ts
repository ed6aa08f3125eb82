import { registerFunction } from '../shared/runtime/register-function.js';
import { deleteWebhookFunction } from '../shared/api/delete-webhook.js';

registerFunction(deleteWebhookFunction);
