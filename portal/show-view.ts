import { el } from './element.js';
import { session } from './session.js';
import { signOutLabel } from './sign-out-label.js';
import { stopRefresh } from './state.js';

const VIEWS = ['view-connect', 'view-list', 'view-add', 'view-detail'];

/** Shows one view, hides the others and moves focus to its heading (or the given field). */
export function showView(view: string, focusId?: string): void {
  for (const v of VIEWS) el(v).hidden = v !== view;
  const s = session();
  el('who').hidden = !s.credential;
  el('sign-out').textContent = signOutLabel(s.credential);
  el('who-registry').textContent = s.registry;
  stopRefresh();
  const target = focusId ? document.getElementById(focusId) : el(view).querySelector('h1');
  if (target) {
    if (!target.hasAttribute('tabindex') && target.tagName === 'H1') target.setAttribute('tabindex', '-1');
    target.focus();
  }
}
