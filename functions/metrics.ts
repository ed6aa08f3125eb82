import { registerFunction } from '../shared/runtime/register-function.js';
import { metricsFunction } from '../shared/api/metrics.js';

registerFunction(metricsFunction);
