import type { AddressInfo, Server } from 'node:net';
import rhea, { type Connection, type EventContext, type Message, type Sender } from 'rhea';

/*
 * A stand-in for Service Bus and Event Hubs on a real socket: a rhea container on 127.0.0.1 that the
 * official SDKs reach with `Endpoint=sb://127.0.0.1:{port};...;UseDevelopmentEmulator=true` (plain TCP).
 * It does what the brokers do for a sender and no more: answers the claims-based-security put-token
 * (`$cbs`) with 202, answers Event Hubs' `$management` READ of the hub (its partition ids), accepts the
 * sender links and records every message transferred on them. A test can make it refuse the next
 * transfers (as a busy broker does), refuse every transfer to one entity (revoked rights), or refuse to
 * attach to an entity at all (a missing one).
 */

/** One message as the broker received it. For an Event Hubs batch (format 0x80013700), one per event. */
interface ReceivedAmqpMessage {
  /** The link's target address: the entity the SDK sends to (`myqueue`, `myhub`, `myhub/Partitions/0`). */
  readonly address: string;
  readonly messageId: string | undefined;
  /** AMQP `group_id`: what Service Bus calls the session id. */
  readonly groupId: string | undefined;
  readonly contentType: string | undefined;
  /** AMQP header `ttl`, ms. */
  readonly ttl: number | undefined;
  /** Message annotations (Event Hubs' partition key is `x-opt-partition-key`; a batch's is on its envelope). */
  readonly annotations: Readonly<Record<string, unknown>>;
  readonly applicationProperties: Readonly<Record<string, unknown>>;
  readonly body: Buffer;
  /** Whether the broker accepted it (false: the test had it refused). */
  readonly accepted: boolean;
}

interface AmqpError {
  readonly condition: string;
  readonly description: string;
}

export interface AmqpListener {
  readonly port: number;
  /** A connection string for the SDKs, as the local emulators take them. */
  connectionString(entityPath?: string): string;
  readonly messages: ReceivedAmqpMessage[];
  /** Put-token requests seen, by the audience they asked for. */
  readonly tokens: string[];
  /** Errors to answer the next transfers with, in order (then transfers are accepted). */
  readonly refuse: AmqpError[];
  /** Entities (by link address) whose every transfer is answered with this error. */
  readonly refuseAlways: Map<string, AmqpError>;
  /** Entities whose links are refused at attach (the broker's answer for a missing queue). */
  readonly missing: Set<string>;
  /** Entities whose transfers are recorded but never settled (a broker that does not answer). */
  readonly silent: Set<string>;
  /** Decides each transfer's fate when set (after `refuse`): settle after `delayMs`, refused with `error` or accepted. */
  chaos: ((address: string) => { delayMs: number; error?: AmqpError }) | undefined;
  /** Resolves once `count` messages (accepted or not) were received. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedAmqpMessage[]>;
  close(): Promise<void>;
}

const BATCH_FORMAT = 0x80013700;
/** The shared-access key name and key in the connection strings (the listener does not check them). */
const KEY_NAME = 'RootManageSharedAccessKey';
const KEY = 'bm90LWEtcmVhbC1rZXktYnV0LWxvbmctZW5vdWdoLXRvLWxvb2sLIKE=';

function asBuffer(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  const section = body as { typecode?: number; content?: unknown } | undefined;
  if (section && typeof section === 'object' && 'content' in section && Buffer.isBuffer(section.content)) return section.content;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body ?? null));
}

/** The events of an Event Hubs batch: each data section of the envelope is one encoded AMQP message. */
function unbatch(envelope: Message): Message[] {
  const body = envelope.body as { content?: unknown } | undefined;
  const content = body?.content;
  const sections: unknown[] = Array.isArray(content) ? content : content === undefined ? [] : [content];
  return sections.map((s) => rhea.message.decode(asBuffer(s)) as unknown as Message);
}

export async function startAmqpListener(): Promise<AmqpListener> {
  const container = rhea.create_container({ id: 'test-broker', autoaccept: false });
  const messages: ReceivedAmqpMessage[] = [];
  const tokens: string[] = [];
  const waiters = new Set<() => void>();
  const connections = new Set<Connection>();
  /** Reply links, by the address the client asked replies to go to. */
  const replyTo = new Map<string, Sender>();
  const refuseAlways = new Map<string, AmqpError>();
  const refuse: AmqpError[] = [];
  const listener: Pick<AmqpListener, 'chaos'> = { chaos: undefined };
  const missing = new Set<string>();
  const silent = new Set<string>();

  const reply = (request: Message, body: unknown, properties: Record<string, unknown>) => {
    const to = typeof request.reply_to === 'string' ? replyTo.get(request.reply_to) : undefined;
    to?.send({
      body,
      application_properties: properties,
      ...(request.message_id !== undefined ? { correlation_id: request.message_id } : {}),
    });
  };

  container.on('connection_open', (context: EventContext) => {
    if (context.connection) connections.add(context.connection);
  });
  container.on('disconnected', (context: EventContext) => {
    if (context.connection) connections.delete(context.connection);
  });
  container.on('sender_open', (context: EventContext) => {
    // The client's receiving end of a request/response pair ($cbs, $management): requests name it in
    // `reply_to`, by its link name (core-amqp) or its target address.
    const sender = context.sender!;
    const address = (sender.target as { address?: string } | undefined)?.address;
    replyTo.set(sender.name, sender);
    if (address) replyTo.set(address, sender);
    sender.set_source(sender.source);
  });
  container.on('receiver_open', (context: EventContext) => {
    const receiver = context.receiver!;
    const address = (receiver.target as { address?: string } | undefined)?.address ?? '';
    if (missing.has(address.split('/')[0]!)) {
      receiver.close({ condition: 'amqp:not-found', description: `The messaging entity 'sb://127.0.0.1/${address}' could not be found.` });
      return;
    }
    receiver.set_target(receiver.target);
  });
  container.on('message', (context: EventContext) => {
    const receiver = context.receiver!;
    const message = context.message!;
    const delivery = context.delivery!;
    const address = (receiver.target as { address?: string } | undefined)?.address ?? '';
    if (address === '$cbs') {
      tokens.push(String(message.application_properties?.['name'] ?? ''));
      delivery.accept();
      reply(message, null, { 'status-code': 202, 'status-description': 'Accepted' });
      return;
    }
    if (address === '$management') {
      delivery.accept();
      const hub = String(message.application_properties?.['name'] ?? '');
      const partition = message.application_properties?.['partition'];
      const body =
        partition === undefined
          ? { name: hub, type: 'com.microsoft:eventhub', created_at: new Date(0), partition_count: 2, partition_ids: ['0', '1'] }
          : {
              name: hub,
              type: 'com.microsoft:partition',
              partition: String(partition),
              begin_sequence_number: 0,
              last_enqueued_sequence_number: -1,
              last_enqueued_offset: '-1',
              last_enqueued_time_utc: new Date(0),
              is_partition_empty: true,
            };
      reply(message, body, { 'status-code': 200, 'status-description': 'OK' });
      return;
    }
    const quiet = silent.has(address);
    const fate = quiet ? undefined : listener.chaos?.(address);
    const error = quiet ? undefined : (refuseAlways.get(address) ?? refuse.shift() ?? fate?.error);
    // A transfer in another message format arrives undecoded: a batch's envelope is itself an AMQP message.
    const batch = (delivery.format as number | undefined) === BATCH_FORMAT;
    const envelope = batch ? (rhea.message.decode(message as unknown as Buffer) as unknown as Message) : message;
    const envelopeAnnotations = (envelope.message_annotations ?? {}) as Record<string, unknown>;
    const parts = batch ? unbatch(envelope) : [message];
    for (const m of parts) {
      messages.push({
        address,
        messageId: m.message_id === undefined ? undefined : String(m.message_id),
        groupId: m.group_id,
        contentType: m.content_type,
        ttl: m.ttl,
        annotations: { ...envelopeAnnotations, ...((m.message_annotations ?? {}) as Record<string, unknown>) },
        applicationProperties: { ...(m.application_properties ?? {}) },
        body: asBuffer(m.body),
        accepted: !quiet && error === undefined,
      });
    }
    const settle = () => {
      if (error) delivery.reject({ condition: error.condition, description: error.description });
      else if (!quiet) delivery.accept();
    };
    if (fate?.delayMs) setTimeout(settle, fate.delayMs);
    else settle();
    for (const w of waiters) w();
  });
  // The SDKs close links and connections as they please; nothing for the broker to do.
  container.on('error', () => undefined);

  const server: Server = container.listen({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    connectionString: (entityPath) =>
      `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=${KEY_NAME};SharedAccessKey=${KEY}` +
      `${entityPath ? `;EntityPath=${entityPath}` : ''};UseDevelopmentEmulator=true`,
    messages,
    tokens,
    refuse,
    missing,
    silent,
    refuseAlways,
    get chaos() {
      return listener.chaos;
    },
    set chaos(decide) {
      listener.chaos = decide;
    },
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length >= count) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(messages);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} AMQP messages within ${timeoutMs} ms, got ${messages.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const c of connections) c.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A webhook's PUT body for a Service Bus queue on the listener (an ordered destination), taking pushes. */
export function serviceBusQueueWebhook(listener: Pick<AmqpListener, 'port' | 'connectionString'>, entity: string) {
  return {
    location: 'westus',
    properties: {
      actions: ['push'],
      endpointType: 'ServiceBusQueue',
      serviceUri: `http://127.0.0.1:${listener.port}/${entity}`,
      connectionString: listener.connectionString(),
    },
  };
}
