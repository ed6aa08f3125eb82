import { globMatches, parseScope } from '../shared/webhooks/scope.js';

/*
 * Scope matching, worst cases: `a*a*…*a` (k stars) against 255 × 'a' then 'b', which never matches and
 * makes a backtracking matcher try every split. Prints the linear matcher's time per match and, for
 * the few stars it survives, the RegExp the service used before (`^a.*a.*a$`), for comparison.
 *   npx tsx bench/scope-glob.ts
 */
const repository = `${'a'.repeat(255)}b`;

function timePerCall(fn: () => boolean, minMs = 200): number {
  let runs = 0;
  const started = performance.now();
  while (performance.now() - started < minMs) {
    fn();
    runs++;
  }
  return (performance.now() - started) / runs;
}

const rows: string[] = [];
for (const stars of [1, 2, 3, 4, 5, 10]) {
  const glob = Array.from({ length: stars + 1 }, () => 'a').join('*');
  const linear = parseScope(`${glob}:*`).repository!;
  const linearMs = timePerCall(() => linear.test(repository));
  let regexMs = 'not run (seconds and up: ×n per star)';
  if (stars <= 3) {
    const regex = new RegExp(`^${glob.split('*').join('.*')}$`);
    regexMs = `${timePerCall(() => regex.test(repository), 500).toFixed(3)} ms`;
  }
  rows.push(`${String(stars).padStart(2)} stars  linear ${(linearMs * 1000).toFixed(1).padStart(7)} µs   backtracking RegExp ${regexMs}`);
}
// Long parts with near misses everywhere: 10 stars in a 256-character pattern against 256 characters.
for (const [name, glob] of [
  ['10 stars, long tail', `${'a*'.repeat(10)}${'a'.repeat(236)}`],
  ['10 stars, long middle parts', `*${Array.from({ length: 9 }, () => `${'a'.repeat(26)}b`).join('*')}*`],
] as const) {
  const ms = timePerCall(() => globMatches(glob, repository));
  rows.push(`${name} (${glob.length} chars)  ${(ms * 1000).toFixed(1)} µs`);
}
console.log(`scope glob vs a ${repository.length}-character repository (never matching):\n${rows.join('\n')}`);
