import { metrics as otelMetrics } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { useAzureMonitor } from '@azure/monitor-opentelemetry';
import { ManagedIdentityCredential } from '@azure/identity';
import { makeMetrics, type Metrics } from './metrics.js';

/** Every metric name starts with this (`registry_webhooks_deliveries_total`). */
const METRIC_PREFIX = 'registry_webhooks';
const METER_NAME = 'registry-webhooks';

export interface MetricsExport {
  readonly metrics: Metrics;
  /** This process's metrics in the Prometheus text format (version 0.0.4). */
  scrape(): Promise<string>;
  shutdown(): Promise<void>;
}

let azureMonitorStarted = false;

/**
 * Builds the metrics pipeline once per composition root. A Prometheus reader (pull only: it starts no
 * server of its own) always collects, so `/api/metrics` can answer; with an Application Insights
 * connection string the Azure Monitor OpenTelemetry distro is started too, with that reader added to the
 * global meter provider it installs, so the same instruments reach both. The distro is process-wide and
 * started once; without it each root has its own provider, so services in one process (tests) count apart.
 */
export function setupMetrics(applicationInsights: {
  readonly connectionString: string | undefined;
  /** With Entra ID (local auth off): a user-assigned identity's client id, or '' for the system-assigned one. */
  readonly entraClientId: string | undefined;
}): MetricsExport {
  const applicationInsightsConnectionString = applicationInsights.connectionString;
  const reader = new PrometheusExporter({ preventServerStart: true });
  const serializer = new PrometheusSerializer(METRIC_PREFIX, false, undefined, true, true);
  let provider: MeterProvider | undefined;
  if (applicationInsightsConnectionString && !azureMonitorStarted) {
    azureMonitorStarted = true;
    useAzureMonitor({
      azureMonitorExporterOptions: {
        connectionString: applicationInsightsConnectionString,
        ...(applicationInsights.entraClientId === undefined
          ? {}
          : {
              credential: applicationInsights.entraClientId
                ? new ManagedIdentityCredential({ clientId: applicationInsights.entraClientId })
                : new ManagedIdentityCredential(),
            }),
      },
      metricReaders: [reader],
    });
  } else {
    provider = new MeterProvider({ readers: [reader] });
  }
  const meter = provider ? provider.getMeter(METER_NAME) : otelMetrics.getMeter(METER_NAME);
  return {
    metrics: makeMetrics(meter),
    async scrape() {
      const { resourceMetrics } = await reader.collect();
      return serializer.serialize(resourceMetrics);
    },
    async shutdown() {
      await provider?.shutdown();
    },
  };
}
