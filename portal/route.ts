import { openAdd } from './add-view.js';
import { openDetail } from './detail-view.js';
import { openList } from './list-view.js';
import { session } from './session.js';
import { showView } from './show-view.js';

/** Shows the view the hash names: `#/` (list), `#/add`, `#/webhooks/<name>`; the connect form until connected. */
export async function route(): Promise<void> {
  const s = session();
  if (!s.credential || !s.registry) {
    showView('view-connect', 'connect-registry');
    return;
  }
  const hash = location.hash.replace(/^#/, '') || '/';
  const detail = /^\/webhooks\/([^/]+)$/.exec(hash);
  if (hash === '/add') openAdd();
  else if (detail?.[1]) await openDetail(decodeURIComponent(detail[1]));
  else await openList();
}
