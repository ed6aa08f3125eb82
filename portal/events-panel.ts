import { eventAction, eventHttpStatus, eventImage, eventTimestamp } from '../shared/webhooks/acr-conventions.js';
import { ApiFailure } from './api-failure.js';
import { api, webhooksPath } from './api.js';
import { cell, text } from './cells.js';
import { el } from './element.js';
import { say, showError } from './messages.js';
import type { WebhookEvent } from './resources.js';
import { state, stopRefresh } from './state.js';

/** Reads the current webhook's events again and shows them; stops the refresh when that fails. */
export async function loadEvents(): Promise<void> {
  if (!state.current) return;
  try {
    const page = (await api('POST', webhooksPath(state.current.name, 'listEvents'))) as { value: WebhookEvent[] };
    state.events = page.value;
    el('events-updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    stopRefresh();
    if (err instanceof ApiFailure && err.unsupported) {
      state.events = [];
      el('events-empty').textContent = 'This service does not record events yet.';
    } else showError('detail-error', err);
  }
  renderEvents();
}

/** The events table, ACR's columns; the selected event stays selected across refreshes. */
export function renderEvents(): void {
  const body = el('events-table').querySelector('tbody');
  if (!body) return;
  body.replaceChildren(
    ...state.events.map((e) => {
      const tr = document.createElement('tr');
      const open = text('button', e.id, 'link mono');
      open.setAttribute('type', 'button');
      open.setAttribute('aria-label', `Show request and response of event ${e.id}`);
      open.addEventListener('click', () => selectEvent(e.id));
      tr.addEventListener('click', (ev) => {
        if (ev.target !== open) selectEvent(e.id);
      });
      const status = eventHttpStatus(e);
      const code = Number(e.eventResponseMessage?.statusCode ?? '0');
      if (e.id === state.selectedEvent) tr.className = 'selected';
      tr.append(
        cell('ID', open),
        cell('Action', eventAction(e)),
        cell('Image', eventImage(e)),
        // Not sent (held for a disabled webhook, skipped as a referrer): its state instead of a status.
        cell(
          'HTTP status',
          status
            ? text('span', status, code >= 200 && code < 300 ? 'badge ok' : 'badge bad')
            : e.delivery?.state === 'skipped' || e.delivery?.state === 'held'
              ? text('span', e.delivery.state, 'badge')
              : '',
        ),
        cell('Timestamp', eventTimestamp(e)),
      );
      return tr;
    }),
  );
  el('events-empty').hidden = state.events.length > 0;
  if (state.selectedEvent) renderEventDetail(false);
}

function selectEvent(id: string): void {
  state.selectedEvent = id;
  renderEvents();
  renderEventDetail(true);
}

const headerLines = (h: Record<string, string> | undefined) => Object.entries(h ?? {}).map(([k, v]) => `${k}: ${v}`);

/** The selected event's request and response, as the portal shows them. */
function renderEventDetail(focus: boolean): void {
  const e = state.events.find((x) => x.id === state.selectedEvent);
  if (!e) return;
  const req = e.eventRequestMessage;
  const res = e.eventResponseMessage;
  el('event-detail-title').textContent = `Event ${e.id}`;
  el('event-request').textContent = [
    `${req?.method ?? 'POST'} ${req?.requestUri ?? ''}`,
    ...headerLines(req?.headers),
    '',
    JSON.stringify(req?.content ?? {}, null, 2),
  ].join('\n');
  let resBody = res?.content ?? '';
  try {
    resBody = JSON.stringify(JSON.parse(resBody), null, 2);
  } catch {
    // not JSON: shown as received
  }
  const status = eventHttpStatus(e);
  el('event-response').textContent = status
    ? [status, ...headerLines(res?.headers), '', resBody].join('\n')
    : 'No response (the endpoint could not be reached or did not answer in time).';
  el('event-detail').hidden = false;
  if (focus) el('event-detail').focus();
}

export function bindEventsPanel(): void {
  el('events-refresh').addEventListener('click', () => void loadEvents());
  el('event-close').addEventListener('click', () => {
    const id = state.selectedEvent;
    state.selectedEvent = undefined;
    el('event-detail').hidden = true;
    renderEvents();
    Array.from(el('events-table').querySelectorAll('button'))
      .find((b) => b.textContent === id)
      ?.focus();
  });
  el('redeliver').addEventListener('click', () => {
    const selected = state.selectedEvent;
    if (!state.current || !selected) return;
    void api('POST', webhooksPath(state.current.name, 'events', selected, 'redeliver'))
      .then(async (result) => {
        // The first attempt of a redelivery is made before the answer; retries follow on the schedule.
        const delivery = (result as { delivery?: { state?: string } } | undefined)?.delivery;
        say(`Event ${selected} sent again: ${delivery?.state ?? 'sent'}.`);
        await loadEvents();
      })
      .catch((err: unknown) => showError('detail-error', err));
  });
}
