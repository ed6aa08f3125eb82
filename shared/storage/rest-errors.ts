import { isRestError } from '@azure/core-rest-pipeline';

/** The HTTP status a storage (or Event Grid) service answered with; undefined when it never answered. */
export function statusOf(err: unknown): number | undefined {
  return isRestError(err) ? err.statusCode : undefined;
}

/** Awaits a point operation; a 404 (no such entity) is `undefined`, any other error is thrown. */
export async function unless404<T>(operation: Promise<T>): Promise<T | undefined> {
  try {
    return await operation;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}
