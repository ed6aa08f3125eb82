import { ApiFailure } from './api-failure.js';
import { el } from './element.js';
import { session } from './session.js';
import { signOutLabel } from './sign-out-label.js';

/** Announces a message in the status line (a polite live region). */
export function say(message: string): void {
  el('status').textContent = message;
}

/**
 * Shows an error in the element with this id, with the way out of a wrong key or token. A 403 (a token
 * without the role) is shown as the service words it: it names the action and the scope that were refused.
 */
export function showError(id: string, err: unknown): void {
  el(id).textContent = err instanceof Error ? err.message : String(err);
  if (err instanceof ApiFailure && err.status === 401) {
    const credential = session().credential;
    const other = credential?.kind === 'token' ? 'paste another token' : 'enter another key';
    el(id).textContent += ` Use "${signOutLabel(credential)}" to ${other}.`;
  }
}

/** Marks a field invalid (or valid, with an empty message) and shows the message under it. */
export function setFieldError(id: string, message: string): void {
  const field = document.getElementById(id);
  if (field) field.setAttribute('aria-invalid', message ? 'true' : 'false');
  el(`${id}-error`).textContent = message;
}
