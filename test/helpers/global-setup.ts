import { buildPortal } from '../../scripts/build-portal.js';

/** Before any test file: the portal page's script, bundled from `portal/` as `npm run build` does, so tests serve the current source. */
export default function setup(): void {
  buildPortal();
}
