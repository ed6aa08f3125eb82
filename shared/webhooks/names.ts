import { ApiError } from '../errors.js';
import { keyPart } from '../storage/key-part.js';
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

/**
 * The storage key of a name: lowercase, so 'MyHook01' and 'myhook01' are the same webhook. Names are
 * validated before they get here; the key encoding is the safety net.
 */
export function nameKey(name: string): string {
  return keyPart(name.toLowerCase(), 100);
}
