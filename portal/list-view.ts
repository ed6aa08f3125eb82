import { api, webhooksPath } from './api.js';
import { cell, healthBadge, statusBadge, text } from './cells.js';
import { el } from './element.js';
import { say, showError } from './messages.js';
import type { Webhook, WebhookPage } from './resources.js';
import { showView } from './show-view.js';
import { state } from './state.js';

/** `#/`: the registry's webhooks. */
export async function openList(): Promise<void> {
  showView('view-list');
  await loadList();
}

async function loadList(): Promise<void> {
  el('list-error').textContent = '';
  try {
    const all: Webhook[] = [];
    let page = (await api('GET', webhooksPath())) as WebhookPage;
    all.push(...page.value);
    while (page.nextLink) {
      page = (await api('GET', page.nextLink)) as WebhookPage;
      all.push(...page.value);
    }
    state.webhooks = all;
  } catch (err) {
    showError('list-error', err);
    state.webhooks = [];
  }
  const body = el('webhooks-table').querySelector('tbody');
  if (!body) return;
  body.replaceChildren(
    ...state.webhooks.map((w) => {
      const tr = document.createElement('tr');
      const link = text('a', w.name);
      link.setAttribute('href', `#/webhooks/${encodeURIComponent(w.name)}`);
      tr.append(
        cell('Name', link),
        cell('Location', w.location),
        cell('Actions', w.properties.actions.join(', ')),
        cell('Scope', w.properties.scope || 'All events'),
        cell('Status', statusBadge(w.properties.status)),
        cell('Health', healthBadge(w.properties.deliveryHealth)),
      );
      return tr;
    }),
  );
  el('list-empty').hidden = state.webhooks.length > 0 || el('list-error').textContent !== '';
}

export function bindListView(): void {
  el('list-refresh').addEventListener('click', () => void loadList().then(() => say('Webhooks refreshed.')));
}
