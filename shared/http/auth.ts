import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time membership: compares digests (equal length) and never stops early. */
export function keyMatches(presented: string, keys: readonly string[]): boolean {
  const p = digest(presented);
  let match = false;
  for (const key of keys) match = timingSafeEqual(p, digest(key)) || match;
  return match;
}
