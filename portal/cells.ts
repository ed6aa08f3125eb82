import type { DeliveryHealth } from './resources.js';

/** An element holding `content` as text (never as markup: names and payloads come from outside). */
export function text(tag: string, content: string, className?: string): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = content;
  if (className) node.className = className;
  return node;
}

/** A table cell; `data-label` heads it when the table is shown as cards on a narrow screen. */
export function cell(label: string, content: string | Node): HTMLTableCellElement {
  const td = document.createElement('td');
  td.dataset['label'] = label;
  if (typeof content === 'string') td.textContent = content;
  else td.append(content);
  return td;
}

/** `healthy`, `failing` or `no attempts`, with the times as its title. */
export function healthBadge(health: DeliveryHealth | undefined): HTMLElement {
  if (health?.failingSince) {
    const badge = text('span', 'failing', 'badge bad');
    badge.title = `${health.consecutiveFailures} failed attempts in a row since ${health.failingSince}`;
    return badge;
  }
  if (health?.lastSuccessAt) {
    const badge = text('span', 'healthy', 'badge ok');
    badge.title = `Last success ${health.lastSuccessAt}`;
    return badge;
  }
  return text('span', 'no attempts', 'badge off');
}

/** The health in words, for the webhook's page. */
export function healthDetail(health: DeliveryHealth | undefined): string {
  if (!health) return '';
  const parts: string[] = [];
  if (health.failingSince) parts.push(`${health.consecutiveFailures} failed attempts in a row since ${health.failingSince}`);
  if (health.lastSuccessAt) parts.push(`last success ${health.lastSuccessAt}`);
  if (health.lastFailureAt) parts.push(`last failure ${health.lastFailureAt}`);
  return parts.join('; ');
}

export function statusBadge(status: string): HTMLElement {
  return text('span', status, status === 'enabled' ? 'badge ok' : 'badge off');
}
