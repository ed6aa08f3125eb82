import { isValidName } from '../shared/webhooks/acr-conventions.js';
import { el, input } from './element.js';
import { say, setFieldError } from './messages.js';
import { route } from './route.js';
import { clearSession, saveSession, session } from './session.js';
import { showView } from './show-view.js';

/** The connect form (registry and key) and "Change registry or key", which forgets them. */
export function bindConnectView(): void {
  el('connect-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const registry = input('connect-registry').value.trim();
    const key = input('connect-key').value.trim();
    const registryOk = isValidName(registry);
    setFieldError('connect-registry', registryOk ? '' : 'Enter the registry name: 5-50 letters and digits.');
    setFieldError('connect-key', key ? '' : 'Enter the management key.');
    if (!registryOk || !key) return;
    saveSession(registry, key);
    input('connect-key').value = '';
    if (location.hash === '#/' || location.hash === '') void route();
    else location.hash = '#/';
  });
  el('sign-out').addEventListener('click', () => {
    input('connect-registry').value = session().registry;
    clearSession();
    say('');
    showView('view-connect', 'connect-registry');
  });
  input('connect-registry').value = session().registry;
}
