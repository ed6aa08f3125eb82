import { api, webhooksPath } from './api.js';
import { el } from './element.js';
import { showError } from './messages.js';
import type { CallbackConfig } from './resources.js';
import { state } from './state.js';

// The write-only configuration (it holds secrets) is fetched only when asked for, and dropped on hide.
export function hideConfig(): void {
  el('config').hidden = true;
  el('config-uri').textContent = '';
  el('config-headers').textContent = '';
  el('config-connection').textContent = '';
  el('config-connection-row').hidden = true;
  el('show-config').textContent = 'Show configuration';
  el('show-config').setAttribute('aria-expanded', 'false');
}

export function bindConfigPanel(): void {
  el('show-config').addEventListener('click', () => {
    if (!state.current) return;
    if (!el('config').hidden) {
      hideConfig();
      return;
    }
    void api('POST', webhooksPath(state.current.name, 'getCallbackConfig'))
      .then((raw) => {
        const cfg = raw as CallbackConfig;
        el('config-uri').textContent = cfg.serviceUri;
        const lines = Object.entries(cfg.customHeaders).map(([k, v]) => `${k}: ${v}`);
        el('config-headers').textContent = lines.length ? lines.join('\n') : 'None';
        el('config-connection').textContent = cfg.connectionString ?? '';
        el('config-connection-row').hidden = cfg.connectionString === undefined;
        el('config').hidden = false;
        el('show-config').textContent = 'Hide configuration';
        el('show-config').setAttribute('aria-expanded', 'true');
      })
      .catch((err: unknown) => showError('detail-error', err));
  });
}
