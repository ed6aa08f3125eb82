import type { HttpHandler } from '../handler-types.js';
import type { ManagementConfig } from './management-deps.js';

export interface MetricsEndpointDeps {
  readonly config: Pick<ManagementConfig, 'managementKeys'>;
  /** Prometheus text of this process's metrics. */
  readonly scrapeMetrics: () => Promise<string>;
}

/**
 * `GET /api/metrics`: this process's metrics in the Prometheus text format (`registry_webhooks_*`), for a
 * scraper with the management key. Under Azure each instance counts its own; Application Insights (with
 * APPLICATIONINSIGHTS_CONNECTION_STRING) has the app-wide view.
 */
export function makeMetricsEndpoint(deps: MetricsEndpointDeps): HttpHandler {
  return async () => {
    return {
      status: 200,
      body: await deps.scrapeMetrics(),
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' },
    };
  };
}
