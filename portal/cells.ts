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

export function statusBadge(status: string): HTMLElement {
  return text('span', status, status === 'enabled' ? 'badge ok' : 'badge off');
}
