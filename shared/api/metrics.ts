import type { HttpFunctionDeclaration } from '../runtime/declaration.js';
import { requireKey } from '../http/auth.js';

/**
 * `GET /api/metrics`: this process's metrics in the Prometheus text format (`registry_webhooks_*`), for a
 * scraper with the management key. Under Azure each instance counts its own; Application Insights (with
 * APPLICATIONINSIGHTS_CONNECTION_STRING) has the app-wide view.
 */
export const metricsFunction: HttpFunctionDeclaration = {
  kind: 'http',
  routes: [{ name: 'metrics', route: 'metrics' }],
  methods: ['GET'],
  makeHandler: (deps) => async (request) => {
    requireKey(request, deps.config.managementKeys, 'management');
    return {
      status: 200,
      body: await deps.scrapeMetrics(),
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' },
    };
  },
};
