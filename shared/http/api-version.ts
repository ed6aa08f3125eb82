import { ApiError } from '../errors.js';

/** ACR's webhook models have not changed since 2017-10-01; every version up to this one is served. */
export const OLDEST_API_VERSION = '2017-10-01';
export const NEWEST_API_VERSION = '2026-11-01';
const FORMAT = /^(\d{4}-\d{2}-\d{2})(-preview)?$/;

/**
 * Checks `?api-version=`. ARM paths require it (as ARM does); the short alias takes it when given.
 */
export function checkApiVersion(value: string | null, required: boolean, oldest: string = OLDEST_API_VERSION): void {
  if (value === null || value === '') {
    if (!required) return;
    throw new ApiError(
      'MissingApiVersionParameter',
      `The api-version query parameter (?api-version=) is required for all requests. Use, for example, api-version=2025-11-01.`,
      'api-version',
    );
  }
  const date = value.match(FORMAT)?.[1];
  if (!date || date < oldest || date > NEWEST_API_VERSION || Number.isNaN(Date.parse(date))) {
    throw new ApiError(
      'InvalidApiVersionParameter',
      `The api-version '${value.slice(0, 40)}' is invalid. The supported versions are ${oldest} to ${NEWEST_API_VERSION} (for example 2025-11-01).`,
      'api-version',
    );
  }
}
