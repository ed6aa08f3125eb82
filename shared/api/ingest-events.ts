import type { HttpHandler } from '../handler-types.js';
import { json } from '../http/respond.js';
import { parseJsonText, readBodyBytes } from '../http/read-json-body.js';
import { ApiError } from '../errors.js';
import { parseName } from '../webhooks/names.js';
import { checkApiVersion } from '../http/api-version.js';
import { ingestEvents, type IngestDeps } from '../pipeline/ingest-events.js';
import { inputAdapters } from '../events/input-adapters.js';
import { abuseProtectionResponse } from '../events/webhook-handshake.js';
import type { Config } from '../config.js';

export interface IngestEventsDeps extends IngestDeps {
  readonly config: IngestDeps['config'] & Pick<Config, 'ingestKeys' | 'maxRequestBodyBytes' | 'maxEventsPerRequest'>;
  readonly metrics: Pick<Metrics, 'eventsIngested'>;
  /** Whether the registry has webhooks (the fan-out's cached list): only then is its name a metric label. */
  readonly webhooks: Pick<WebhookStore, 'listCached'>;
}
import { logValue } from '../log-value.js';
import type { Metrics } from '../metrics/metrics.js';
import type { WebhookStore } from '../storage/webhook-store.js';

/**
 * `POST /api/registries/{registryName}/events`: events from a registry. Checks run in a fixed order, each
 * with its status: key (401), content type (415), size (413), JSON (400), events. 202 means every
 * accepted event is durably queued; a storage failure is a 503 so the sender retries (dedupe by id makes
 * that safe). Event Grid's handshakes are answered here too, after the key check (Event Grid sends the
 * `?code=` of the subscription's URL with them): its SubscriptionValidationEvent (200
 * `{validationResponse}`) and, for CloudEvents subscriptions, the OPTIONS abuse-protection request.
 */
export function makeIngestEvents(deps: IngestEventsDeps): HttpHandler {
  return async (request, context) => {
    checkApiVersion(request.query.get('api-version'), false);
    const registry = parseName('registry', request.params['registryName']);
    if (request.method === 'OPTIONS') return abuseProtectionResponse(request.headers);
    const type = request.headers.get('content-type') ?? '';
    const accepting = inputAdapters.filter((a) => a.accepts(type, request.headers));
    if (accepting.length === 0) {
      throw new ApiError(
        'UnsupportedMediaType',
        `Content-Type '${type || 'none'}' is not an event format this endpoint reads. Send ${inputAdapters.map((a) => a.name).join(', ')} events: application/vnd.docker.distribution.events.v1+json (CNCF registry), application/json (ACR events, Event Grid events or Harbor's default format) or application/cloudevents+json / application/cloudevents-batch+json (CloudEvents, Harbor's included).`,
      );
    }
    const body = parseJsonText((await readBodyBytes(request, deps.config.maxRequestBodyBytes)).toString('utf8'));
    // The last adapter for a content type has no `recognizes`: it takes whatever the others did not.
    const adapter = accepting.find((a) => !a.recognizes || a.recognizes(body, request.headers)) ?? accepting[accepting.length - 1]!;
    const validation = adapter.validation?.(body, request.headers);
    if (validation && 'error' in validation) throw new ApiError('InvalidRequestContent', validation.error);
    if (validation) {
      context.log(`ingest: registry=${registry} format=${adapter.name} answered the subscription validation handshake`);
      return json(200, { validationResponse: validation.validationResponse });
    }
    const candidates = adapter.normalize(body);
    if ('error' in candidates) throw new ApiError('InvalidRequestContent', candidates.error);
    if (candidates.length > deps.config.maxEventsPerRequest) {
      throw new ApiError(
        'RequestEntityTooLarge',
        `The request has ${candidates.length} events; send at most ${deps.config.maxEventsPerRequest} per request.`,
      );
    }
    const report = await ingestEvents(deps, registry, candidates);
    context.log(
      `ingest: registry=${registry} format=${adapter.name} accepted=${report.accepted.length} duplicates=${report.duplicates.length} ignored=${report.ignored.length} rejected=${report.rejected.length}` +
        (report.accepted.length ? ` ids=${logValue(report.accepted.map((a) => a.id).join(','), 4096)}` : ''),
    );
    // The list the fan-out reads next (cached): a registry without webhooks is never a label value.
    // Its events are accepted already: a list that cannot be read costs the label, never the answer.
    const label = await deps.webhooks.listCached(registry).then(
      (hooks) => (hooks.length > 0 ? registry : undefined),
      () => undefined,
    );
    deps.metrics.eventsIngested(label, 'accepted', report.accepted.length);
    deps.metrics.eventsIngested(label, 'duplicate', report.duplicates.length);
    deps.metrics.eventsIngested(label, 'ignored', report.ignored.length);
    deps.metrics.eventsIngested(label, 'rejected', report.rejected.length);
    const taken = report.accepted.length + report.duplicates.length + report.ignored.length;
    if (taken === 0 && report.rejected.length > 0) {
      const first = report.rejected[0]!;
      throw new ApiError(
        'InvalidParameter',
        `No event was accepted: ${report.rejected.length} invalid; event ${first.index}${first.id ? ` (${first.id})` : ''}: ${first.message}.`,
      );
    }
    return json(adapter.acceptedStatus ?? 202, report);
  };
}
