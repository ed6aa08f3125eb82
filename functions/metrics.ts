import { registerFunction } from '../shared/runtime/register-function.js';
import { makeMetricsEndpoint } from '../shared/api/metrics.js';

/** `GET /api/metrics`: this process's metrics in the Prometheus text format (management key). */
registerFunction({
  kind: 'http',
  routes: [{ name: 'metrics', route: 'metrics' }],
  methods: ['GET'],
  access: { kind: 'service' },
  makeHandler: makeMetricsEndpoint,
});
