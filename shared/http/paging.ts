import { z } from 'zod';
import { ApiError } from '../errors.js';

/**
 * `$skipToken` wraps a Table Storage continuation token (base64 of `{nextPartitionKey, nextRowKey}`),
 * or the last row key of a list merged from several partitions, in base64url so it survives any URL handling. Tokens are checked before they reach the SDK, whose
 * decoder throws on garbage. A token cannot widen a query: every list filters on its partition.
 */
export function encodeSkipToken(token: string): string {
  return Buffer.from(token, 'utf8').toString('base64url');
}

const tableToken = z.object({ nextPartitionKey: z.string(), nextRowKey: z.string().optional() });
/** A list merged from several partitions resumes after the last key it returned. */
const keyToken = z.object({ after: z.string().min(1).max(1024) });

const invalid = () =>
  new ApiError('InvalidParameter', '$skipToken is not a token this service issued; start again from the first page.', '$skipToken');

function unwrap(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(value)) throw invalid();
  return Buffer.from(value, 'base64url').toString('utf8');
}

export function decodeSkipToken(value: string | null): string | undefined {
  if (value === null || value === '') return undefined;
  const token = unwrap(value);
  try {
    tableToken.parse(JSON.parse(Buffer.from(token, 'base64').toString('latin1')));
  } catch {
    throw invalid();
  }
  return token;
}

/** `$skipToken` for a list that resumes after a row key (listEvents across shards). */
export const encodeKeyToken = (after: string): string => encodeSkipToken(JSON.stringify({ after }));

export function decodeKeyToken(value: string | null): string | undefined {
  if (value === null || value === '') return undefined;
  try {
    return keyToken.parse(JSON.parse(unwrap(value))).after;
  } catch {
    throw invalid();
  }
}

/**
 * The next page's absolute URL: the request's URL with `$skipToken` replaced. A key sent as `?code=` is
 * dropped so it is never echoed in a body; clients send it again as they did for the first page.
 */
export function nextLink(requestUrl: string, skipToken: string): string {
  const url = new URL(requestUrl);
  url.searchParams.delete('code');
  url.searchParams.set('$skipToken', skipToken);
  return url.toString();
}
