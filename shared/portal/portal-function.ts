import type { HttpHandler } from '../handler-types.js';
import { renderPortalPage } from './portal-page.js';

/**
 * `GET /api/portal`: the Webhooks blade as one static page. Anonymous because the page holds no secret:
 * it asks for the registry and the management key and calls the management API with them.
 */
export function makePortal(): HttpHandler {
  const page = renderPortalPage();
  return () =>
    Promise.resolve({
      status: 200,
      body: page.html,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': page.contentSecurityPolicy,
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cache-control': 'no-cache',
      },
    });
}
