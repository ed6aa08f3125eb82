import type { HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import { ApiError } from '../errors.js';
import { locateJsonError } from './json-syntax.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Reads the raw body, refusing more than `maxBytes` (413) whether or not Content-Length says so. */
export async function readBodyBytes(request: HttpRequest, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    throw new ApiError('RequestEntityTooLarge', `The request body is ${declared} bytes; the limit is ${maxBytes}.`);
  }
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > maxBytes) {
    throw new ApiError('RequestEntityTooLarge', `The request body is larger than the limit of ${maxBytes} bytes.`);
  }
  return bytes;
}

/**
 * Parses a JSON text; otherwise a 400 that says where it broke and what was expected there, never
 * quoting the body (JSON.parse's own message does, secrets included).
 */
export function parseJsonText(text: string): unknown {
  if (text.trim() === '') throw new ApiError('InvalidRequestContent', 'The request body is empty; send a JSON object.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const where = locateJsonError(text);
    throw new ApiError(
      'InvalidRequestContent',
      where
        ? `The request body is not valid JSON: at line ${where.line}, column ${where.column}: ${where.problem}.`
        : 'The request body is not valid JSON.',
    );
  }
}

/** Turns zod issues into one 400 whose message names each field and how to fix it. */
export function validationError(error: z.ZodError): ApiError {
  const parts = error.issues.slice(0, 10).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const first = error.issues[0];
  const target = first && first.path.length > 0 ? first.path.map(String).join('.') : undefined;
  return new ApiError('InvalidParameter', `The request is invalid. ${parts.join('; ')}.`, target);
}

/** Content type (415), size (413), JSON syntax (400), then the schema (400). */
export async function readJsonBody<T extends z.ZodType>(request: HttpRequest, schema: T, maxBytes: number): Promise<z.infer<T>> {
  const type = request.headers.get('content-type') ?? '';
  if (!JSON_TYPE.test(type)) {
    throw new ApiError('UnsupportedMediaType', `The body must be JSON: send 'Content-Type: application/json' (got '${type || 'none'}').`);
  }
  const bytes = await readBodyBytes(request, maxBytes);
  const parsed = schema.safeParse(parseJsonText(bytes.toString('utf8')));
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
