import { isValidName } from '../shared/webhooks/acr-conventions.js';
import { el, input } from './element.js';
import { say, setFieldError } from './messages.js';
import { route } from './route.js';
import { clearSession, saveSession, session, type Credential } from './session.js';
import { showView } from './show-view.js';
import { normalizeToken, tokenProblem } from './token-problem.js';

type Kind = Credential['kind'];

const keyField = (): HTMLElement => input('connect-key').closest<HTMLElement>('.field') ?? input('connect-key');
const tokenArea = (): HTMLTextAreaElement => el<HTMLTextAreaElement>('connect-token');
const radios = (): HTMLInputElement[] => Array.from(el('connect-kind').querySelectorAll<HTMLInputElement>('input[name=credential]'));
const chosenKind = (): Kind => (radios().find((r) => r.checked)?.value === 'token' ? 'token' : 'key');

/** Shows the field of the chosen credential only; the other one's value and message are dropped. */
function choose(kind: Kind): void {
  for (const r of radios()) r.checked = r.value === kind;
  keyField().hidden = kind !== 'key';
  el('connect-token-field').hidden = kind !== 'token';
  if (kind === 'key') tokenArea().value = '';
  else input('connect-key').value = '';
  setFieldError('connect-key', '');
  setFieldError('connect-token', '');
}

/** The credential typed or pasted, or the message for its field. */
function readCredential(kind: Kind): Credential | string {
  if (kind === 'key') {
    const key = input('connect-key').value.trim();
    return key ? { kind, secret: key } : 'Enter the management key.';
  }
  const token = normalizeToken(tokenArea().value);
  return tokenProblem(token) || { kind, secret: token };
}

/** The connect form (registry and a key or a token) and "Change registry or …", which forgets them. */
export function bindConnectView(): void {
  for (const r of radios()) r.addEventListener('change', () => choose(chosenKind()));
  el('connect-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const registry = input('connect-registry').value.trim();
    const kind = chosenKind();
    const credential = readCredential(kind);
    const registryOk = isValidName(registry);
    const field = kind === 'key' ? 'connect-key' : 'connect-token';
    setFieldError('connect-registry', registryOk ? '' : 'Enter the registry name: 5-50 letters and digits.');
    setFieldError(field, typeof credential === 'string' ? credential : '');
    if (!registryOk || typeof credential === 'string') {
      document.getElementById(registryOk ? field : 'connect-registry')?.focus();
      return;
    }
    saveSession(registry, credential);
    input('connect-key').value = '';
    tokenArea().value = '';
    if (location.hash === '#/' || location.hash === '') void route();
    else location.hash = '#/';
  });
  el('sign-out').addEventListener('click', () => {
    const { registry, credential } = session();
    input('connect-registry').value = registry;
    clearSession();
    choose(credential?.kind ?? 'key');
    say('');
    showView('view-connect', 'connect-registry');
  });
  input('connect-registry').value = session().registry;
  choose(session().credential?.kind ?? 'key');
}
