/** The value of one sample line of Prometheus text, e.g. `registry_webhooks_deliveries_total{outcome="failed"} 2`. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Delivery attempts of one outcome to one endpoint type (0 when the series is absent). */
export const deliveriesOf = (text: string, outcome: string, endpointType: string): number =>
  sample(text, `registry_webhooks_deliveries_total{outcome="${outcome}",endpoint_type="${endpointType}"}`) ?? 0;
