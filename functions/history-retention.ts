import { registerFunction } from '../shared/runtime/register-function.js';
import { historyRetentionFunction } from '../shared/pipeline/retention.js';

registerFunction(historyRetentionFunction);
