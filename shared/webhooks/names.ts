import { ApiError } from '../errors.js';
import { isValidName } from './acr-conventions.js';

/** Validates a registry or webhook name from a route and returns it unchanged; throws a 400 otherwise. */
export function parseName(kind: 'registry' | 'webhook', name: string | undefined): string {
  const value = name ?? '';
  if (!isValidName(value)) {
    const what = kind === 'registry' ? 'registryName' : 'webhookName';
    throw new ApiError(
      'InvalidParameter',
      `The ${kind} name '${value}' is invalid: use 5-50 letters and digits only (for example 'myregistry01').`,
      what,
    );
  }
  return value;
}
