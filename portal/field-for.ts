/** The service's error targets and the form fields they blame. */
const FIELDS: Record<string, string> = {
  'properties.serviceUri': 'add-uri',
  'properties.customHeaders': 'add-headers',
  'properties.scope': 'add-scope',
  'properties.actions': 'add-actions',
  'properties.multiArch': 'add-multi-arch',
  'properties.rateLimitPerSecond': 'add-rate-limit',
  'properties.payloadFormat': 'add-payload-format',
  'properties.skipReferrers': 'add-skip-referrers',
  'properties.endpointType': 'add-endpoint-type',
  'properties.connectionString': 'add-connection-string',
  'properties.queueMessageTimeToLiveSeconds': 'add-queue-ttl',
  webhookName: 'add-name',
};

/** The add form's field an error's `target` (`properties.customHeaders.X-Key`) is about, if any. */
export function fieldFor(target: string | undefined): string | undefined {
  if (target === undefined) return undefined;
  const found = Object.keys(FIELDS).find((k) => target === k || target.startsWith(`${k}.`));
  return found === undefined ? undefined : FIELDS[found];
}
