import type { HttpResponseInit } from '@azure/functions';

/** A JSON response; the body is serialised by the host (or the local host) from `jsonBody`. */
export function json(status: number, body: unknown, headers?: Record<string, string>): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } };
}
