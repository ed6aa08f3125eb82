/**
 * The page's script, written in TypeScript (DOM types) and inlined into the page with
 * `Function.prototype.toString`, so the portal is one static page with no build step of its own. It must
 * be self-contained: it may not refer to anything outside its own body.
 */
export function portalClient(): void {
  type Json = Record<string, unknown>;
  interface Webhook {
    name: string;
    location: string;
    properties: { status: string; scope: string; actions: string[] };
  }
  interface WebhookEvent {
    id: string;
    eventRequestMessage?: {
      content?: { action?: string; timestamp?: string; target?: { repository?: string; tag?: string } };
      headers?: Record<string, string>;
      method?: string;
      requestUri?: string;
    };
    eventResponseMessage?: { content?: string; headers?: Record<string, string>; statusCode?: string; reasonPhrase?: string };
  }
  class ApiFailure extends Error {
    constructor(
      message: string,
      readonly status: number,
      readonly target: string | undefined,
      /** A bare 404: the service has no such route (an operation it does not offer yet). */
      readonly unsupported = false,
    ) {
      super(message);
    }
  }

  const NAME = /^[a-z0-9]{5,50}$/;
  const REFRESH_MS = 5000;
  const store = window.sessionStorage;
  // The API lives beside the page: <prefix>/portal -> <prefix>.
  const apiBase = location.pathname.replace(/\/portal\/?$/i, '');

  const el = <T extends HTMLElement = HTMLElement>(id: string): T => {
    const found = document.getElementById(id);
    if (!found) throw new Error(`missing #${id}`);
    return found as T;
  };
  const input = (id: string) => el<HTMLInputElement>(id);
  const views = ['view-connect', 'view-list', 'view-add', 'view-detail'];
  let webhooks: Webhook[] = [];
  let current: Webhook | undefined;
  let events: WebhookEvent[] = [];
  let selectedEvent: string | undefined;
  let timer: number | undefined;
  // A message to announce after the next navigation (a hash change clears the status line).
  let flash = '';

  const session = () => ({ registry: store.getItem('rw.registry') ?? '', key: store.getItem('rw.key') ?? '' });
  const webhooksPath = (...rest: string[]) =>
    `/registries/${encodeURIComponent(session().registry)}/webhooks${rest.map((r) => `/${encodeURIComponent(r)}`).join('')}`;

  async function api(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json', 'x-functions-key': session().key };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(path.startsWith('http') ? path : `${apiBase}${path}`, {
        method,
        headers,
        cache: 'no-store',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ApiFailure('The service cannot be reached. Is it running?', 0, undefined);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const error = (json as { error?: { message?: string; target?: string } } | undefined)?.error;
      const message =
        error?.message ??
        (res.status === 404 ? 'This service does not offer that operation (404).' : `The service answered ${res.status}.`);
      throw new ApiFailure(message, res.status, error?.target, res.status === 404 && !error);
    }
    return json;
  }

  function say(message: string): void {
    el('status').textContent = message;
  }
  function showError(id: string, err: unknown): void {
    el(id).textContent = err instanceof Error ? err.message : String(err);
    if (err instanceof ApiFailure && err.status === 401) el(id).textContent += ' Use "Change registry or key" to enter another key.';
  }
  function text(tag: string, content: string, className?: string): HTMLElement {
    const node = document.createElement(tag);
    node.textContent = content;
    if (className) node.className = className;
    return node;
  }
  function cell(label: string, content: string | Node): HTMLTableCellElement {
    const td = document.createElement('td');
    td.dataset['label'] = label;
    if (typeof content === 'string') td.textContent = content;
    else td.append(content);
    return td;
  }
  function statusBadge(status: string): HTMLElement {
    return text('span', status, status === 'enabled' ? 'badge ok' : 'badge off');
  }

  // ---- routing: #/ (list), #/add, #/webhooks/<name>
  function show(view: string, focusId?: string): void {
    for (const v of views) el(v).hidden = v !== view;
    const s = session();
    el('who').hidden = !s.key;
    el('who-registry').textContent = s.registry;
    if (timer !== undefined) window.clearInterval(timer);
    timer = undefined;
    const target = focusId ? document.getElementById(focusId) : el(view).querySelector('h1');
    if (target) {
      if (!target.hasAttribute('tabindex') && target.tagName === 'H1') target.setAttribute('tabindex', '-1');
      target.focus();
    }
  }
  async function route(): Promise<void> {
    const s = session();
    if (!s.key || !s.registry) {
      show('view-connect', 'connect-registry');
      return;
    }
    const hash = location.hash.replace(/^#/, '') || '/';
    const detail = /^\/webhooks\/([^/]+)$/.exec(hash);
    if (hash === '/add') openAdd();
    else if (detail?.[1]) await openDetail(decodeURIComponent(detail[1]));
    else await openList();
  }

  // ---- connect
  el('connect-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const registry = input('connect-registry').value.trim();
    const key = input('connect-key').value.trim();
    const registryOk = /^[a-zA-Z0-9]{5,50}$/.test(registry);
    setFieldError('connect-registry', registryOk ? '' : 'Enter the registry name: 5-50 letters and digits.');
    setFieldError('connect-key', key ? '' : 'Enter the management key.');
    if (!registryOk || !key) return;
    store.setItem('rw.registry', registry);
    store.setItem('rw.key', key);
    input('connect-key').value = '';
    if (location.hash === '#/' || location.hash === '') void route();
    else location.hash = '#/';
  });
  el('sign-out').addEventListener('click', () => {
    store.removeItem('rw.key');
    input('connect-registry').value = session().registry;
    store.removeItem('rw.registry');
    say('');
    show('view-connect', 'connect-registry');
  });

  function setFieldError(id: string, message: string): void {
    const field = document.getElementById(id);
    if (field) field.setAttribute('aria-invalid', message ? 'true' : 'false');
    el(`${id}-error`).textContent = message;
  }

  // ---- list
  async function openList(): Promise<void> {
    show('view-list');
    await loadList();
  }
  async function loadList(): Promise<void> {
    el('list-error').textContent = '';
    try {
      const all: Webhook[] = [];
      let page = (await api('GET', webhooksPath())) as { value: Webhook[]; nextLink?: string };
      all.push(...page.value);
      while (page.nextLink) {
        page = (await api('GET', page.nextLink)) as { value: Webhook[]; nextLink?: string };
        all.push(...page.value);
      }
      webhooks = all;
    } catch (err) {
      showError('list-error', err);
      webhooks = [];
    }
    const body = el('webhooks-table').querySelector('tbody');
    if (!body) return;
    body.replaceChildren(
      ...webhooks.map((w) => {
        const tr = document.createElement('tr');
        const link = text('a', w.name);
        link.setAttribute('href', `#/webhooks/${encodeURIComponent(w.name)}`);
        tr.append(
          cell('Name', link),
          cell('Location', w.location),
          cell('Actions', w.properties.actions.join(', ')),
          cell('Scope', w.properties.scope || 'All events'),
          cell('Status', statusBadge(w.properties.status)),
        );
        return tr;
      }),
    );
    el('list-empty').hidden = webhooks.length > 0 || el('list-error').textContent !== '';
  }
  el('list-refresh').addEventListener('click', () => void loadList().then(() => say('Webhooks refreshed.')));

  // ---- add
  function openAdd(): void {
    el<HTMLFormElement>('add-form').reset();
    for (const id of ['add-name', 'add-uri', 'add-headers', 'add-actions', 'add-scope']) setFieldError(id, '');
    el('add-error').textContent = '';
    show('view-add', 'add-name');
  }
  function nameProblem(name: string): string {
    if (name === '') return 'Enter a name.';
    if (!NAME.test(name)) return 'Use 5-50 lowercase letters and digits only.';
    if (webhooks.some((w) => w.name.toLowerCase() === name)) return `A webhook named '${name}' already exists.`;
    return '';
  }
  // Checked as you type, as the portal does.
  input('add-name').addEventListener('input', () => setFieldError('add-name', nameProblem(input('add-name').value)));
  function parseHeaders(raw: string): Record<string, string> | string {
    const headers: Record<string, string> = {};
    const lines = raw.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] ?? '').trim();
      if (!line) continue;
      const colon = line.indexOf(':');
      if (colon <= 0) return `Line ${i + 1}: write each header as key: value.`;
      headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    return headers;
  }
  el('add-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void createWebhook();
  });
  async function createWebhook(): Promise<void> {
    const form = el<HTMLFormElement>('add-form');
    const name = input('add-name').value.trim();
    const uri = input('add-uri').value.trim();
    const headers = parseHeaders(el<HTMLTextAreaElement>('add-headers').value);
    const actions = Array.from(form.querySelectorAll<HTMLInputElement>('input[name=actions]:checked')).map((c) => c.value);
    const status = form.querySelector<HTMLInputElement>('input[name=status]:checked')?.value ?? 'enabled';
    const scope = input('add-scope').value.trim();
    const problems: [string, string][] = [
      ['add-name', nameProblem(name)],
      ['add-uri', uri ? '' : 'Enter the service URI that events are posted to.'],
      ['add-headers', typeof headers === 'string' ? headers : ''],
      ['add-actions', actions.length ? '' : 'Choose at least one action.'],
      ['add-scope', ''],
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
      const location = webhooks[0]?.location ?? 'eastus';
      await api('PUT', webhooksPath(name), {
        location,
        properties: { serviceUri: uri, customHeaders: headers, actions, status, scope },
      });
      flash = `Webhook '${name}' created.`;
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
  function fieldFor(target: string | undefined): string | undefined {
    const map: Json = {
      'properties.serviceUri': 'add-uri',
      'properties.customHeaders': 'add-headers',
      'properties.scope': 'add-scope',
      'properties.actions': 'add-actions',
      webhookName: 'add-name',
    };
    const found = target === undefined ? undefined : Object.keys(map).find((k) => target === k || target.startsWith(`${k}.`));
    return found ? (map[found] as string) : undefined;
  }

  // ---- detail
  async function openDetail(name: string): Promise<void> {
    show('view-detail');
    el('detail-title').textContent = name;
    el('detail-error').textContent = '';
    hideConfig();
    el('event-detail').hidden = true;
    selectedEvent = undefined;
    events = [];
    renderEvents();
    try {
      current = (await api('GET', webhooksPath(name))) as Webhook;
    } catch (err) {
      current = undefined;
      showError('detail-error', err);
      return;
    }
    renderDetail();
    await loadEvents();
    timer = window.setInterval(() => {
      if (!document.hidden) void loadEvents();
    }, REFRESH_MS);
  }
  function renderDetail(): void {
    if (!current) return;
    el('detail-title').textContent = current.name;
    el('prop-status').replaceChildren(statusBadge(current.properties.status));
    el('prop-actions').textContent = current.properties.actions.join(', ');
    el('prop-scope').textContent = current.properties.scope || 'All events';
    el('prop-location').textContent = current.location;
    el('toggle-status').textContent = current.properties.status === 'enabled' ? 'Disable' : 'Enable';
  }
  async function loadEvents(): Promise<void> {
    if (!current) return;
    try {
      const page = (await api('POST', webhooksPath(current.name, 'listEvents'))) as { value: WebhookEvent[] };
      events = page.value;
      el('events-updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      if (timer !== undefined) window.clearInterval(timer);
      timer = undefined;
      if (err instanceof ApiFailure && err.unsupported) {
        events = [];
        el('events-empty').textContent = 'This service does not record events yet.';
      } else showError('detail-error', err);
    }
    renderEvents();
  }
  function image(e: WebhookEvent): string {
    const t = e.eventRequestMessage?.content?.target;
    const repo = t?.repository ?? '';
    return repo && t?.tag ? `${repo}:${t.tag}` : repo;
  }
  function httpStatus(e: WebhookEvent): string {
    const r = e.eventResponseMessage;
    return [r?.statusCode, r?.reasonPhrase].filter(Boolean).join(' ');
  }
  function renderEvents(): void {
    const body = el('events-table').querySelector('tbody');
    if (!body) return;
    body.replaceChildren(
      ...events.map((e) => {
        const tr = document.createElement('tr');
        const open = text('button', e.id, 'link mono');
        open.setAttribute('type', 'button');
        open.setAttribute('aria-label', `Show request and response of event ${e.id}`);
        open.addEventListener('click', () => selectEvent(e.id));
        tr.addEventListener('click', (ev) => {
          if (ev.target !== open) selectEvent(e.id);
        });
        const status = httpStatus(e);
        const code = Number(e.eventResponseMessage?.statusCode ?? '0');
        if (e.id === selectedEvent) tr.className = 'selected';
        tr.append(
          cell('ID', open),
          cell('Action', e.eventRequestMessage?.content?.action ?? ''),
          cell('Image', image(e)),
          cell('HTTP status', status ? text('span', status, code >= 200 && code < 300 ? 'badge ok' : 'badge bad') : ''),
          cell('Timestamp', e.eventRequestMessage?.content?.timestamp ?? ''),
        );
        return tr;
      }),
    );
    el('events-empty').hidden = events.length > 0;
    if (selectedEvent) renderEventDetail(false);
  }
  function selectEvent(id: string): void {
    selectedEvent = id;
    renderEvents();
    renderEventDetail(true);
  }
  function renderEventDetail(focus: boolean): void {
    const e = events.find((x) => x.id === selectedEvent);
    if (!e) return;
    const req = e.eventRequestMessage;
    const res = e.eventResponseMessage;
    const headerLines = (h: Record<string, string> | undefined) => Object.entries(h ?? {}).map(([k, v]) => `${k}: ${v}`);
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
    el('event-response').textContent = httpStatus(e)
      ? [httpStatus(e), ...headerLines(res?.headers), '', resBody].join('\n')
      : 'No response (the endpoint could not be reached or did not answer in time).';
    el('event-detail').hidden = false;
    if (focus) el('event-detail').focus();
  }
  el('event-close').addEventListener('click', () => {
    const id = selectedEvent;
    selectedEvent = undefined;
    el('event-detail').hidden = true;
    renderEvents();
    Array.from(el('events-table').querySelectorAll('button'))
      .find((b) => b.textContent === id)
      ?.focus();
  });
  el('events-refresh').addEventListener('click', () => void loadEvents());
  el('ping').addEventListener('click', () => {
    if (!current) return;
    const name = current.name;
    void api('POST', webhooksPath(name, 'ping'))
      .then(async (result) => {
        say(`Ping sent to '${name}' (event ${String((result as { id?: string } | undefined)?.id ?? '')}).`);
        await loadEvents();
      })
      .catch((err: unknown) => showError('detail-error', err));
  });
  el('redeliver').addEventListener('click', () => {
    if (!current || !selectedEvent) return;
    void api('POST', webhooksPath(current.name, 'events', selectedEvent, 'redeliver'))
      .then(async (result) => {
        // The first attempt of a redelivery is made before the answer; retries follow on the schedule.
        const state = (result as { delivery?: { state?: string } } | undefined)?.delivery?.state ?? 'sent';
        say(`Event ${selectedEvent ?? ''} sent again: ${state}.`);
        await loadEvents();
      })
      .catch((err: unknown) => showError('detail-error', err));
  });
  el('toggle-status').addEventListener('click', () => {
    if (!current) return;
    const status = current.properties.status === 'enabled' ? 'disabled' : 'enabled';
    void api('PATCH', webhooksPath(current.name), { properties: { status } })
      .then((updated) => {
        current = updated as Webhook;
        renderDetail();
        say(`Webhook '${current.name}' ${status}.`);
      })
      .catch((err: unknown) => showError('detail-error', err));
  });
  // The write-only configuration (it holds secrets) is fetched only when asked for, and dropped on hide.
  function hideConfig(): void {
    el('config').hidden = true;
    el('config-uri').textContent = '';
    el('config-headers').textContent = '';
    el('show-config').textContent = 'Show configuration';
    el('show-config').setAttribute('aria-expanded', 'false');
  }
  el('show-config').addEventListener('click', () => {
    if (!current) return;
    if (!el('config').hidden) {
      hideConfig();
      return;
    }
    void api('POST', webhooksPath(current.name, 'getCallbackConfig'))
      .then((raw) => {
        const cfg = raw as { serviceUri: string; customHeaders: Record<string, string> };
        el('config-uri').textContent = cfg.serviceUri;
        const lines = Object.entries(cfg.customHeaders).map(([k, v]) => `${k}: ${v}`);
        el('config-headers').textContent = lines.length ? lines.join('\n') : 'None';
        el('config').hidden = false;
        el('show-config').textContent = 'Hide configuration';
        el('show-config').setAttribute('aria-expanded', 'true');
      })
      .catch((err: unknown) => showError('detail-error', err));
  });
  const dialog = el<HTMLDialogElement>('confirm-delete');
  el('delete').addEventListener('click', () => {
    if (!current) return;
    el('confirm-text').textContent = `Delete the webhook '${current.name}'? It stops sending events at once; this cannot be undone.`;
    dialog.showModal();
    el('confirm-cancel').focus();
  });
  el('confirm-cancel').addEventListener('click', () => dialog.close());
  el('confirm-yes').addEventListener('click', () => {
    dialog.close();
    if (!current) return;
    const name = current.name;
    void api('DELETE', webhooksPath(name))
      .then(() => {
        flash = `Webhook '${name}' deleted.`;
        window.location.hash = '#/';
      })
      .catch((err: unknown) => showError('detail-error', err));
  });

  window.addEventListener('hashchange', () => {
    say(flash);
    flash = '';
    void route();
  });
  input('connect-registry').value = session().registry;
  void route();
}
