import type { Webhook, WebhookEvent } from './resources.js';

/** What the page knows between views; one page, one tab, so one object. */
export const state: {
  webhooks: Webhook[];
  current: Webhook | undefined;
  events: WebhookEvent[];
  selectedEvent: string | undefined;
  /** The detail view's refresh timer. */
  timer: number | undefined;
  /** A message to announce after the next navigation (a hash change clears the status line). */
  flash: string;
} = { webhooks: [], current: undefined, events: [], selectedEvent: undefined, timer: undefined, flash: '' };

export function stopRefresh(): void {
  if (state.timer !== undefined) window.clearInterval(state.timer);
  state.timer = undefined;
}
