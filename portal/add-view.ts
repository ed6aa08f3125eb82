import { ApiFailure } from './api-failure.js';
import { api, webhooksPath } from './api.js';
import { el, input } from './element.js';
import { fieldFor } from './field-for.js';
import { setFieldError, showError } from './messages.js';
import { nameProblem } from './name-problem.js';
import { parseHeaders } from './parse-headers.js';
import { readRateLimit } from './rate-limit-field.js';
import { showView } from './show-view.js';
import { state } from './state.js';

const FIELDS = ['add-name', 'add-uri', 'add-headers', 'add-actions', 'add-scope', 'add-rate-limit'];

/** `#/add`: the Create webhook form, empty. */
export function openAdd(): void {
  el<HTMLFormElement>('add-form').reset();
  for (const id of FIELDS) setFieldError(id, '');
  el('add-error').textContent = '';
  showView('view-add', 'add-name');
}

async function createWebhook(): Promise<void> {
  const form = el<HTMLFormElement>('add-form');
  const name = input('add-name').value.trim();
  const uri = input('add-uri').value.trim();
  const headers = parseHeaders(el<HTMLTextAreaElement>('add-headers').value);
  const actions = Array.from(form.querySelectorAll<HTMLInputElement>('input[name=actions]:checked')).map((c) => c.value);
  const status = form.querySelector<HTMLInputElement>('input[name=status]:checked')?.value ?? 'enabled';
  const scope = input('add-scope').value.trim();
  // Off by default; left out of the body then, which is exactly what ACR's clients send.
  const coalesced = input('add-multi-arch').checked;
  // Empty: no limit, and then left out of the body, as for multi-arch.
  const rateLimit = readRateLimit(input('add-rate-limit').value, input('add-rate-limit').validity.badInput);
  // ACR's payload is the default; left out of the body then, as for multi-arch.
  const payloadFormat = el<HTMLSelectElement>('add-payload-format').value;
  const skipReferrers = input('add-skip-referrers').checked;
  const problems: [string, string][] = [
    ['add-name', nameProblem(name, state.webhooks)],
    ['add-uri', uri ? '' : 'Enter the service URI that events are posted to.'],
    ['add-headers', typeof headers === 'string' ? headers : ''],
    ['add-actions', actions.length ? '' : 'Choose at least one action.'],
    ['add-scope', ''],
    ['add-rate-limit', rateLimit.problem],
  ];
  for (const [id, message] of problems) setFieldError(id, message);
  el('add-error').textContent = '';
  const first = problems.find(([, m]) => m);
  if (first || typeof headers === 'string') {
    el('add-error').textContent = 'Fix the highlighted fields.';
    const firstField =
      first?.[0] === 'add-actions'
        ? form.querySelector<HTMLInputElement>('input[name=actions]')
        : document.getElementById(first?.[0] ?? '');
    firstField?.focus();
    return;
  }
  const submit = el<HTMLButtonElement>('add-submit');
  submit.disabled = true;
  try {
    // A webhook's location is its registry's; the registry's other webhooks tell us which it is.
    const location = state.webhooks[0]?.location ?? 'eastus';
    await api('PUT', webhooksPath(name), {
      location,
      properties: {
        serviceUri: uri,
        customHeaders: headers,
        actions,
        status,
        scope,
        ...(coalesced ? { multiArch: 'coalesced' } : {}),
        ...(rateLimit.limit !== undefined ? { rateLimitPerSecond: rateLimit.limit } : {}),
        ...(payloadFormat !== 'acr' ? { payloadFormat } : {}),
        ...(skipReferrers ? { skipReferrers: true } : {}),
      },
    });
    state.flash = `Webhook '${name}' created.`;
    window.location.hash = `#/webhooks/${encodeURIComponent(name)}`;
  } catch (err) {
    showError('add-error', err);
    const field = err instanceof ApiFailure ? fieldFor(err.target) : undefined;
    if (field) setFieldError(field, err instanceof Error ? err.message : '');
    el('add-error').focus();
  } finally {
    submit.disabled = false;
  }
}

export function bindAddView(): void {
  // Checked as you type, as the portal does.
  input('add-name').addEventListener('input', () => setFieldError('add-name', nameProblem(input('add-name').value, state.webhooks)));
  el('add-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void createWebhook();
  });
}
