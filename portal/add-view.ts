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
import { URI_PLACEHOLDERS } from './endpoint-types.js';

const FIELDS = [
  'add-name',
  'add-endpoint-type',
  'add-uri',
  'add-connection-string',
  'add-queue-ttl',
  'add-headers',
  'add-actions',
  'add-scope',
  'add-rate-limit',
];

/** A queue, topic or hub takes a connection string and a TTL; a Web Hook neither. */
function showDestinationFields(): void {
  const type = el<HTMLSelectElement>('add-endpoint-type').value;
  el('add-destination').hidden = type === 'WebHook';
  input('add-uri').placeholder = URI_PLACEHOLDERS[type] ?? '';
}

/** The TTL field: empty (the default), -1 or whole seconds; a string when it is neither. */
function queueTtl(): number | undefined | string {
  const text = input('add-queue-ttl').value.trim();
  if (text === '') return undefined;
  return /^(-1|[1-9]\d{0,9})$/.test(text) ? Number(text) : 'Enter whole seconds, or -1 for messages that never expire.';
}

/** `#/add`: the Create webhook form, empty. */
export function openAdd(): void {
  el<HTMLFormElement>('add-form').reset();
  for (const id of FIELDS) setFieldError(id, '');
  el('add-error').textContent = '';
  showDestinationFields();
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
  const endpointType = el<HTMLSelectElement>('add-endpoint-type').value;
  const destination = endpointType !== 'WebHook';
  const connectionString = destination ? input('add-connection-string').value.trim() : '';
  const ttl = destination ? queueTtl() : undefined;
  const problems: [string, string][] = [
    ['add-name', nameProblem(name, state.webhooks)],
    [
      'add-uri',
      uri ? '' : destination ? 'Enter the URL of the queue, topic or event hub.' : 'Enter the service URI that events are posted to.',
    ],
    ['add-queue-ttl', typeof ttl === 'string' ? ttl : ''],
    ['add-headers', typeof headers === 'string' ? headers : ''],
    ['add-actions', actions.length ? '' : 'Choose at least one action.'],
    ['add-scope', ''],
    ['add-rate-limit', rateLimit.problem],
  ];
  for (const [id, message] of problems) setFieldError(id, message);
  el('add-error').textContent = '';
  const first = problems.find(([, m]) => m);
  if (first || typeof headers === 'string' || typeof ttl === 'string') {
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
        // A Web Hook's body stays exactly what ACR's clients send.
        ...(destination ? { endpointType } : {}),
        ...(connectionString ? { connectionString } : {}),
        ...(typeof ttl === 'number' ? { queueMessageTimeToLiveSeconds: ttl } : {}),
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
  el('add-endpoint-type').addEventListener('change', showDestinationFields);
  el('add-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void createWebhook();
  });
}
