import type { Config } from '../config.js';
import type { Candidate } from '../events/normalize.js';
import { isEventId } from '../events/event-id.js';
import type { RegistryMemoryStore } from '../storage/registry-memory-store.js';
import type { IngestBatcher } from './ingest-batcher.js';

export interface IngestDeps {
  readonly config: Pick<Config, 'maxEventBytes'>;
  readonly memory: Pick<RegistryMemoryStore, 'manifest'>;
  readonly ingestBatcher: Pick<IngestBatcher, 'submit'>;
}

export interface IngestReport {
  accepted: { index: number; id: string; action: string }[];
  duplicates: { index: number; id: string }[];
  ignored: { index: number; id?: string; reason: string }[];
  rejected: { index: number; id?: string; message: string }[];
}

/**
 * Accepts normalised events for one registry. Each is recorded (dedupe by id, plus what a push tells us
 * about manifests) and queued through the group-commit batcher; only when both are done is it counted,
 * so the caller answers 202 only for events that are durably queued. Any storage error propagates (503)
 * and the sender retries, which the dedupe makes safe.
 */
export async function ingestEvents(deps: IngestDeps, registry: string, candidates: readonly Candidate[]): Promise<IngestReport> {
  const report: IngestReport = { accepted: [], duplicates: [], ignored: [], rejected: [] };
  const submitted: Promise<void>[] = [];
  for (const c of candidates) {
    if (c.kind === 'reject') {
      report.rejected.push({ index: c.index, ...(isEventId(c.id) ? { id: c.id } : {}), message: c.message });
      continue;
    }
    if (c.kind === 'ignore') {
      report.ignored.push({ index: c.index, ...(isEventId(c.id) ? { id: c.id } : {}), reason: c.reason });
      continue;
    }
    // The event's JSON, measured here, is the payload its row stores (unless a delete's target is filled in below).
    const json = JSON.stringify(c.event);
    const size = Buffer.byteLength(json);
    if (size > deps.config.maxEventBytes) {
      report.rejected.push({
        index: c.index,
        id: c.event.id,
        message: `the event is ${size} bytes; the limit is ${deps.config.maxEventBytes} (MAX_EVENT_BYTES)`,
      });
      continue;
    }
    let event = c.event;
    if (c.kind === 'resolveDelete') {
      // A push earlier in this request must be remembered before its delete is looked up.
      await Promise.all(submitted);
      const manifest = event.target.digest ? await deps.memory.manifest(registry, event.target.repository, event.target.digest) : undefined;
      if (!manifest) {
        report.ignored.push({ index: c.index, id: event.id, reason: 'delete of a digest never pushed as a manifest here (a blob delete)' });
        continue;
      }
      event = {
        ...event,
        target: {
          ...(manifest.mediaType ? { mediaType: manifest.mediaType } : {}),
          digest: event.target.digest,
          repository: event.target.repository,
          ...(manifest.tags.length > 0 ? { tags: [...manifest.tags] } : {}),
        },
      };
    }
    const accepted = event;
    // Only a CNCF registry's pushes are remembered: only its deletes need telling from blob deletes
    // (ACR's own events say what they are), and every row written costs a partition's throughput.
    submitted.push(
      deps.ingestBatcher
        .submit(registry, accepted, {
          remember: c.kind === 'accept' && c.remember === true,
          payload: accepted === c.event ? json : undefined,
        })
        .then((outcome) => {
          if (outcome === 'accepted') report.accepted.push({ index: c.index, id: accepted.id, action: accepted.action });
          else report.duplicates.push({ index: c.index, id: accepted.id });
        }),
    );
  }
  await Promise.all(submitted);
  report.accepted.sort((a, b) => a.index - b.index);
  report.duplicates.sort((a, b) => a.index - b.index);
  return report;
}
