import { sortKeys } from './sort-keys.js';

/**
 * az's `-o tsv` (knack's TSV writer): one line per item, the values in key order, separated by tabs. A
 * nested list prints its length and a nested object an empty field, so columns stay aligned.
 */
export function toTsv(result: unknown): string {
  const items = Array.isArray(result) ? result : [result];
  return items.map((item) => `${row(sortKeys(item))}\n`).join('');
}

function row(item: unknown): string {
  if (Array.isArray(item)) return item.map(cell).join('\t');
  if (item !== null && typeof item === 'object') return Object.values(item).map(cell).join('\t');
  return cell(item);
}

function cell(value: unknown): string {
  if (Array.isArray(value)) return String(value.length);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return ''; // null, and nested objects
}
