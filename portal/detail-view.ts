import { api, webhooksPath } from './api.js';
import { healthBadge, healthDetail, statusBadge } from './cells.js';
import { hideConfig } from './config-panel.js';
import { el, input } from './element.js';
import { loadEvents, renderEvents } from './events-panel.js';
import { say, showError } from './messages.js';
import type { Webhook } from './resources.js';
import { showView } from './show-view.js';
import { endpointTypeLabel } from './endpoint-types.js';
import { state } from './state.js';

const REFRESH_MS = 5000;

/** `#/webhooks/<name>`: one webhook, its events (refreshed while the tab is visible) and its operations. */
export async function openDetail(name: string): Promise<void> {
  showView('view-detail');
  el('detail-title').textContent = name;
  el('detail-error').textContent = '';
  hideConfig();
  el('event-detail').hidden = true;
  state.selectedEvent = undefined;
  state.events = [];
  renderEvents();
  try {
    state.current = (await api('GET', webhooksPath(name))) as Webhook;
  } catch (err) {
    state.current = undefined;
    showError('detail-error', err);
    return;
  }
  renderDetail(state.current);
  await loadEvents();
  state.timer = window.setInterval(() => {
    if (!document.hidden) void loadEvents();
  }, REFRESH_MS);
}

/** The add form's names for the payload formats. */
const PAYLOAD_FORMAT_NAMES: Record<string, string> = {
  acr: "ACR (the registry's JSON event)",
  cloudevents: 'CloudEvents 1.0',
  slack: 'Slack message',
  teams: 'Microsoft Teams card',
};

function renderDetail(webhook: Webhook): void {
  el('detail-title').textContent = webhook.name;
  el('prop-status').replaceChildren(statusBadge(webhook.properties.status));
  el('prop-endpoint-type').textContent = endpointTypeLabel(webhook.properties.endpointType);
  el('prop-actions').textContent = webhook.properties.actions.join(', ');
  el('prop-scope').textContent = webhook.properties.scope || 'All events';
  el('prop-multi-arch').textContent =
    webhook.properties.multiArch === 'coalesced' ? 'One event per image (coalesced)' : 'One event per manifest';
  const limit = webhook.properties.rateLimitPerSecond;
  el('prop-rate-limit').textContent = limit === undefined ? 'No limit' : `${limit} ${limit === 1 ? 'request' : 'requests'} per second`;
  el('prop-payload-format').textContent =
    PAYLOAD_FORMAT_NAMES[webhook.properties.payloadFormat ?? 'acr'] ?? webhook.properties.payloadFormat ?? '';
  el('prop-skip-referrers').textContent = webhook.properties.skipReferrers ? 'Skipped (listed, not sent)' : 'Delivered';
  el('prop-location').textContent = webhook.location;
  el('toggle-status').textContent = webhook.properties.status === 'enabled' ? 'Disable' : 'Enable';
  const health = webhook.properties.deliveryHealth;
  const detail = healthDetail(health);
  el('prop-health').replaceChildren(healthBadge(health), ...(detail ? [document.createTextNode(` ${detail}`)] : []));
  el('prop-reason').textContent = webhook.properties.statusReason ?? '';
  el('prop-reason-row').hidden = !webhook.properties.statusReason;
}

/** Recover: the time picked (the browser's local time) as an ISO instant. */
function recoverSince(): string | undefined {
  const value = input('recover-since').value;
  const time = value ? new Date(value).getTime() : Number.NaN;
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

export function bindDetailView(): void {
  el('recover-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!state.current) return;
    const name = state.current.name;
    const since = recoverSince();
    el('recover-error').textContent = since ? '' : 'Pick the time to recover from.';
    if (!since) {
      input('recover-since').focus();
      return;
    }
    void api('POST', webhooksPath(name, 'recover'), { since })
      .then(async (result) => {
        const n = (result as { redelivered?: number } | undefined)?.redelivered ?? 0;
        say(`Recover: ${n} ${n === 1 ? 'delivery' : 'deliveries'} of '${name}' queued again.`);
        await loadEvents();
      })
      .catch((err: unknown) => showError('recover-error', err));
  });
  el('ping').addEventListener('click', () => {
    if (!state.current) return;
    const name = state.current.name;
    void api('POST', webhooksPath(name, 'ping'))
      .then(async (result) => {
        say(`Ping sent to '${name}' (event ${String((result as { id?: string } | undefined)?.id ?? '')}).`);
        await loadEvents();
      })
      .catch((err: unknown) => showError('detail-error', err));
  });
  el('toggle-status').addEventListener('click', () => {
    if (!state.current) return;
    const status = state.current.properties.status === 'enabled' ? 'disabled' : 'enabled';
    void api('PATCH', webhooksPath(state.current.name), { properties: { status } })
      .then((updated) => {
        const webhook = updated as Webhook;
        state.current = webhook;
        renderDetail(webhook);
        say(`Webhook '${webhook.name}' ${status}.`);
      })
      .catch((err: unknown) => showError('detail-error', err));
  });
}
