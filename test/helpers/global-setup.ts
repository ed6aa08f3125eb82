import { buildPortal } from '../../scripts/build-portal.js';
import { buildIfStale } from '../../scripts/build-dist.js';
import { fileURLToPath } from 'node:url';

/**
 * Before any test file: `dist/` built from the current source when it is older (`npm run build`), so the
 * child processes run the files `npm start` and `npx registry-webhooks` run (spawn-start.ts, run-cli.ts);
 * otherwise the portal page's script alone, bundled from `portal/` as `npm run build` does, so tests
 * serve the current source.
 */
export default function setup(): void {
  if (!buildIfStale(fileURLToPath(new URL('../..', import.meta.url)))) buildPortal();
}
