import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { isRestError } from '@azure/core-rest-pipeline';
import { describeError } from './log-value.js';

/**
 * The closed set of error codes the API answers with, each mapped to exactly one HTTP status.
 * Codes follow ARM's and ACR's names where one exists, so clients that switch on them keep working.
 */
export const ErrorStatus = {
  InvalidRequestContent: 400,
  InvalidParameter: 400,
  MissingApiVersionParameter: 400,
  InvalidApiVersionParameter: 400,
  InvalidRoleDefinitionId: 400,
  AuthenticationFailed: 401,
  InvalidAuthenticationToken: 401,
  AuthorizationFailed: 403,
  ResourceNotFound: 404,
  RoleAssignmentNotFound: 404,
  Conflict: 409,
  RoleAssignmentExists: 409,
  RoleAssignmentUpdateNotPermitted: 409,
  InvalidResourceLocation: 409,
  QuotaExceeded: 409,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  RequestHeaderFieldsTooLarge: 431,
  InternalServerError: 500,
  ServiceUnavailable: 503,
} as const;

export type ErrorCode = keyof typeof ErrorStatus;

/** An error whose code and message are safe to show the caller. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly target?: string,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }

  get status(): number {
    return ErrorStatus[this.code];
  }
}

/** ARM's error body: `{"error":{"code","message","target"?}}`. */
interface ErrorBody {
  error: { code: ErrorCode; message: string; target?: string };
}

/** Builds the response for an error code: the one place codes become statuses and bodies. */
export function errorResponse(code: ErrorCode, message: string, target?: string, headers?: Record<string, string>): HttpResponseInit {
  const error: ErrorBody['error'] = target === undefined ? { code, message } : { code, message, target };
  return {
    status: ErrorStatus[code],
    jsonBody: { error } satisfies ErrorBody,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  };
}

/**
 * Maps anything thrown by a handler to a response. `ApiError`s are shown as they are; anything else is
 * a bare 500 for the caller and a full log line for us (never the caller's secrets: the error object only).
 */
export function toErrorResponse(err: unknown, context: InvocationContext): HttpResponseInit {
  if (err instanceof ApiError) return errorResponse(err.code, err.message, err.target, err.headers ? { ...err.headers } : undefined);
  if (isStorageUnavailable(err)) {
    context.error('storage unavailable:', describeError(err));
    return errorResponse('ServiceUnavailable', 'Storage is unavailable. Retry the request later.', undefined, { 'retry-after': '5' });
  }
  context.error('unhandled error:', describeError(err));
  return errorResponse(
    'InternalServerError',
    'An internal error occurred. Retry later; if it persists, report it with the time of the request.',
  );
}

const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'REQUEST_SEND_ERROR']);

/**
 * True for the errors the storage SDKs raise when the service cannot be reached or is failing: a
 * network error code, or a RestError with no response, 500 or 503 (throttling, server busy).
 * @internal
 */
export function isStorageUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && unavailableCodes.has(code)) return true;
  if (isRestError(err)) return err.statusCode === undefined || err.statusCode === 500 || err.statusCode === 503;
  return err instanceof Error && err.cause !== undefined && isStorageUnavailable(err.cause);
}
