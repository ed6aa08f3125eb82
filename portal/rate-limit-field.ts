/** The API's bounds for `properties.rateLimitPerSecond` (the page carries no zod, so they are repeated here). */
const MIN = 1;
const MAX = 1000;

/**
 * The "Rate limit (requests per second)" field: empty is no limit. `badInput` is the number input's own
 * verdict on text it could not read as a number (its value is then '', which must not mean "no limit").
 */
export function readRateLimit(raw: string, badInput: boolean): { readonly limit: number | undefined; readonly problem: string } {
  const text = raw.trim();
  if (text === '' && !badInput) return { limit: undefined, problem: '' };
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (n >= MIN && n <= MAX) return { limit: n, problem: '' };
  return { limit: undefined, problem: `Enter a whole number from ${MIN} to ${MAX}, or leave it empty for no limit.` };
}
