import type { PostOutcome } from '../delivery/post-json.js';
import { answer, failed, isTimeout, networkMessage, scrub } from './outcomes.js';

/*
 * Service Bus and Event Hubs errors as outcomes. Both SDKs raise core-amqp's MessagingError with a
 * `code` (Service Bus renames some: MessagingEntityNotFoundError → MessagingEntityNotFound); the status
 * is the one their REST APIs answer with, so the retry policy reads it as it reads HTTP:
 * credentials and missing or disabled entities are final, a busy or failing broker is retried.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  UnauthorizedError: 401,
  UnauthorizedAccess: 401,
  PublisherRevokedError: 401,
  MessagingEntityDisabledError: 403,
  MessagingEntityDisabled: 403,
  MessagingEntityNotFoundError: 404,
  MessagingEntityNotFound: 404,
  MessageTooLargeError: 413,
  MessageSizeExceeded: 413,
  ArgumentError: 400,
  ArgumentOutOfRangeError: 400,
  InvalidOperationError: 400,
  InvalidFieldError: 400,
  DecodeError: 400,
  NotImplementedError: 400,
  ServerBusyError: 503,
  ServiceBusy: 503,
  QuotaExceededError: 503,
  QuotaExceeded: 503,
  InternalServerError: 500,
  GeneralError: 500,
};

/** Codes of a broker that did not answer in time. */
const TIMEOUT_CODES = new Set(['OperationTimeoutError', 'ServiceTimeout', 'ServiceUnavailableError']);
/** Codes of a connection that failed or was cut. */
const NETWORK_CODES = new Set([
  'ServiceCommunicationError',
  'ServiceCommunicationProblem',
  'ConnectionForcedError',
  'ConnectionRedirectError',
  'ConnectionLostError',
  'DetachForcedError',
  'SystemError',
  'InsufficientCreditError',
  'SendOperationFailedError',
]);

interface AmqpFailure {
  readonly code?: string;
  readonly retryable?: boolean;
  readonly message?: string;
  readonly name?: string;
  readonly errors?: readonly unknown[];
}

/** The outcome of a send that threw. `connectionString` is cut out of any text kept. */
export function amqpOutcome(
  err: unknown,
  durationMs: number,
  timeoutMs: number,
  maxBytes: number,
  connectionString: string | undefined,
): PostOutcome {
  if (isTimeout(err)) return failed('timeout', `no answer within ${timeoutMs / 1000} s`, durationMs);
  // Node's happy-eyeballs connect gives an AggregateError of each address's failure: the first says enough.
  const e = (err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : err) as AmqpFailure;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = scrub(typeof e.message === 'string' ? e.message : String(err), connectionString);
  if (code && TIMEOUT_CODES.has(code)) return failed('timeout', `${code}: ${message}`, durationMs);
  const status = code ? STATUS_BY_CODE[code] : undefined;
  if (status !== undefined) return answer(status, durationMs, { code, message }, maxBytes);
  if ((code && NETWORK_CODES.has(code)) || (code && /^E[A-Z]+$/.test(code))) {
    return failed('network', networkMessage(/^E[A-Z]+$/.test(code) ? code : undefined, `${code}: ${message}`), durationMs);
  }
  if (e.name === 'CredentialUnavailableError' || e.name === 'AuthenticationError') {
    return answer(401, durationMs, { code: e.name, message }, maxBytes);
  }
  // Unknown: the SDK says whether trying again can help.
  return e.retryable === false
    ? answer(400, durationMs, { code: code ?? e.name ?? 'Error', message }, maxBytes)
    : answer(500, durationMs, { code: code ?? e.name ?? 'Error', message }, maxBytes);
}
