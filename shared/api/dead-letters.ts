import { z } from 'zod';
import type { HttpHandler } from '../handler-types.js';
import type { Config } from '../config.js';
import { json } from '../http/respond.js';
import { ApiError } from '../errors.js';
import { Queue } from '../constants.js';
import type { DeadLetterStore } from '../storage/dead-letter-store.js';
import type { QueueClient } from '@azure/storage-queue';
import type { Queues } from '../storage/queues.js';
import { sendQueueMessage } from '../storage/queue-message.js';

const top = z.coerce.number().int().min(1).max(1000).optional();

function parsed(message: string): unknown {
  try {
    return JSON.parse(message) as unknown;
  } catch {
    return message;
  }
}

export interface DeadLetterDeps {
  readonly config: Pick<Config, 'managementKeys'>;
  readonly deadLetters: DeadLetterStore;
  readonly queues: Pick<Queues, 'events' | 'deliveries' | 'mirror'>;
}

/** `GET /api/deadletters`: messages the pipeline gave up on, newest first per queue, with the reason. */
export function makeListDeadLetters(deps: Pick<DeadLetterDeps, 'config' | 'deadLetters'>): HttpHandler {
  return async (request) => {
    const t = top.safeParse(request.query.get('$top') ?? undefined);
    if (!t.success) throw new ApiError('InvalidParameter', '$top must be a whole number from 1 to 1000.', '$top');
    const list = await deps.deadLetters.list(t.data ?? 100);
    return json(200, { value: list.map((d) => ({ queue: d.queue, id: d.id, at: d.at, reason: d.reason, message: parsed(d.message) })) });
  };
}

/** `POST /api/deadletters/{queue}/{id}/replay`: puts the message back on its queue and forgets the dead letter. */
export function makeReplayDeadLetter(deps: DeadLetterDeps): HttpHandler {
  const targets = new Map<string, QueueClient>([
    [Queue.events, deps.queues.events],
    [Queue.deliveries, deps.queues.deliveries],
    [Queue.mirror, deps.queues.mirror],
  ]);
  return async (request, context) => {
    const queue = request.params['queue'] ?? '';
    const id = request.params['id'] ?? '';
    const target = targets.get(queue);
    if (!target) throw new ApiError('InvalidParameter', `The queue must be one of ${[...targets.keys()].join(', ')}.`, 'queue');
    // Ids are what the dead-letter store issues (inverted time, then a UUID); anything else would reach
    // Table Storage as an invalid key.
    if (!/^\d{13}-[0-9a-f-]{36}$/.test(id))
      throw new ApiError('InvalidParameter', `'${id}' is not a dead-letter id; list them with GET /api/deadletters.`, 'id');
    const letter = await deps.deadLetters.get(queue, id);
    if (!letter) throw new ApiError('ResourceNotFound', `No dead letter '${id}' in queue '${queue}'. List them with GET /api/deadletters.`);
    await sendQueueMessage(target, letter.message);
    await deps.deadLetters.remove(queue, id);
    context.log(`dead letter replayed: queue=${queue} id=${id}`);
    return json(200, { queue, id, replayed: true });
  };
}
