import { afterAll, afterEach, expect } from 'vitest';

/*
 * Node's default for an unhandled rejection (`--unhandled-rejections=throw`) ends the process, as it
 * would end `npm start` or a Functions worker. Vitest reports them after the run; this setup file makes
 * the test during which one happens fail, naming it. It records, it does not hide: vitest's own handler
 * still fails the run.
 */
const KEY = Symbol.for('registry-webhooks.unhandled-rejections');
const store = globalThis as { [KEY]?: unknown[] };
if (!store[KEY]) {
  const seen: unknown[] = [];
  store[KEY] = seen;
  process.on('unhandledRejection', (reason) => seen.push(reason));
}
const seen = store[KEY];

function expectNone(): void {
  const found = seen.splice(0).map((r) => (r instanceof Error ? `${r.name}: ${r.message}` : String(r)));
  expect(found, 'unhandled promise rejections').toEqual([]);
}

afterEach(expectNone);
afterAll(expectNone);
