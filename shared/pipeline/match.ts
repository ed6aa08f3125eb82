import type { AcrEvent } from '../events/acr-event.js';
import { parseScope, type Scope } from '../webhooks/scope.js';
import type { WebhookRecord } from '../webhooks/webhook.js';

const scopes = new Map<string, Scope>();
function scopeOf(scope: string): Scope {
  let parsed = scopes.get(scope);
  if (!parsed) {
    parsed = parseScope(scope);
    if (scopes.size > 10_000) scopes.clear();
    scopes.set(scope, parsed);
  }
  return parsed;
}

/**
 * Whether a scope covers an event. Tagless events (a delete, a push by digest) match a tag-specific
 * scope `repo:tag` only when the event's `target.tags` (the tags that pointed at the deleted manifest)
 * include that tag; otherwise only scopes covering every tag (`repo:*`, empty) match them.
 * @internal
 */
export function scopeMatches(scope: string, event: AcrEvent): boolean {
  const s = scopeOf(scope);
  const target = event.target;
  if (s.repository && !s.repository.test(target.repository)) return false;
  if (s.tag === undefined) return true;
  if (target.tag !== undefined) return target.tag === s.tag;
  return target.tags?.includes(s.tag) ?? false;
}

const covers = (w: WebhookRecord, event: AcrEvent) => w.actions.includes(event.action) && scopeMatches(w.scope, event);

/** The webhooks an event goes to: enabled, listing the event's action, with a scope that covers it. */
export function matchWebhooks(webhooks: readonly WebhookRecord[], event: AcrEvent): WebhookRecord[] {
  return webhooks.filter((w) => w.status === 'enabled' && covers(w, event));
}

/** Disabled webhooks that would take the event: it is recorded for them as held, not sent, not dropped. */
export function holdingWebhooks(webhooks: readonly WebhookRecord[], event: AcrEvent): WebhookRecord[] {
  return webhooks.filter((w) => w.status === 'disabled' && covers(w, event));
}
