import { registerFunction } from '../shared/runtime/register-function.js';
import { createWebhookFunction } from '../shared/api/create-webhook.js';

registerFunction(createWebhookFunction);
