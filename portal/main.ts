/*
 * The portal page's script (the Webhooks blade): bundled by esbuild into one classic script
 * (scripts/build-portal.ts) that the service inlines into the page under a hash-based CSP.
 */
import { bindAddView } from './add-view.js';
import { bindConfigPanel } from './config-panel.js';
import { bindConnectView } from './connect-view.js';
import { bindDeleteDialog } from './delete-dialog.js';
import { bindDetailView } from './detail-view.js';
import { bindEventsPanel } from './events-panel.js';
import { bindListView } from './list-view.js';
import { say } from './messages.js';
import { route } from './route.js';
import { state } from './state.js';

bindConnectView();
bindListView();
bindAddView();
bindDetailView();
bindEventsPanel();
bindConfigPanel();
bindDeleteDialog();
window.addEventListener('hashchange', () => {
  say(state.flash);
  state.flash = '';
  void route();
});
void route();
