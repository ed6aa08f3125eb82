import { api, webhooksPath } from './api.js';
import { el } from './element.js';
import { showError } from './messages.js';
import { state } from './state.js';

/** Delete asks first, in a modal dialog, as the portal does. */
export function bindDeleteDialog(): void {
  const dialog = el<HTMLDialogElement>('confirm-delete');
  el('delete').addEventListener('click', () => {
    if (!state.current) return;
    el('confirm-text').textContent = `Delete the webhook '${state.current.name}'? It stops sending events at once; this cannot be undone.`;
    dialog.showModal();
    el('confirm-cancel').focus();
  });
  el('confirm-cancel').addEventListener('click', () => dialog.close());
  el('confirm-yes').addEventListener('click', () => {
    dialog.close();
    if (!state.current) return;
    const name = state.current.name;
    void api('DELETE', webhooksPath(name))
      .then(() => {
        state.flash = `Webhook '${name}' deleted.`;
        window.location.hash = '#/';
      })
      .catch((err: unknown) => showError('detail-error', err));
  });
}
