import { isValidName } from '../shared/webhooks/acr-conventions.js';
import type { Webhook } from './resources.js';

/**
 * What is wrong with a new webhook's name, or ''. ACR's rule, plus lowercase as the Azure portal asks for
 * new names (the service accepts any case; names are the same webhook in every case).
 */
export function nameProblem(name: string, existing: readonly Webhook[]): string {
  if (name === '') return 'Enter a name.';
  if (!isValidName(name) || name !== name.toLowerCase()) return 'Use 5-50 lowercase letters and digits only.';
  if (existing.some((w) => w.name.toLowerCase() === name)) return `A webhook named '${name}' already exists.`;
  return '';
}
