import type { CallbackConfig, IdResult, IngestKeys, RecoverResult, RoleAssignment, Webhook, WebhookEvent } from '../client/schemas.js';
import { eventAction, eventHttpStatus, eventImage, eventTimestamp } from '../../shared/webhooks/acr-conventions.js';
import { roleName } from '../options/role.js';

/*
 * The rows of az's table output for `az acr webhook` (azure-cli, acr/_format.py), one function per
 * command. az prints Python reprs for lists and dicts (`['push', 'delete']`); we print them readably
 * (`push, delete`). Empty cells are a single space in az; here they are empty.
 */

export const WEBHOOK_COLUMNS = ['NAME', 'LOCATION', 'ACTIONS', 'SCOPE', 'STATUS'] as const;
export const CONFIG_COLUMNS = ['SERVICE URI', 'HEADERS'] as const;
export const EVENT_COLUMNS = ['ID', 'ACTION', 'IMAGE', 'HTTP STATUS', 'TIMESTAMP'] as const;
export const PING_COLUMNS = ['ID'] as const;
/** `show` adds the delivery health (not in az: ACR has none). */
export const WEBHOOK_SHOW_COLUMNS = [...WEBHOOK_COLUMNS, 'HEALTH'] as const;
export const RECOVER_COLUMNS = ['REDELIVERED'] as const;

export function webhookRow(webhook: Webhook): Record<(typeof WEBHOOK_COLUMNS)[number], string> {
  return {
    NAME: webhook.name,
    LOCATION: webhook.location,
    ACTIONS: webhook.properties.actions.join(', '),
    SCOPE: webhook.properties.scope,
    STATUS: webhook.properties.status,
  };
}

export function configRow(config: CallbackConfig): Record<(typeof CONFIG_COLUMNS)[number], string> {
  return {
    'SERVICE URI': config.serviceUri,
    HEADERS: Object.entries(config.customHeaders)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', '),
  };
}

/**
 * az's `_format_datetime`: seconds precision in UTC (`2024-05-01T12:00:00Z`); unparseable text as is.
 * @internal
 */
export function formatTimestamp(value: string | undefined): string {
  if (!value) return '';
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : `${new Date(time).toISOString().slice(0, 19)}Z`;
}

export function eventRow(event: WebhookEvent): Record<(typeof EVENT_COLUMNS)[number], string> {
  return {
    ID: event.id,
    ACTION: eventAction(event),
    IMAGE: eventImage(event),
    'HTTP STATUS': eventHttpStatus(event),
    TIMESTAMP: formatTimestamp(eventTimestamp(event)),
  };
}

export function pingRow(result: IdResult): Record<(typeof PING_COLUMNS)[number], string> {
  return { ID: result.id };
}

/** One cell: `healthy`, `failing since <time> (N failed)`, or `no attempts yet`. */
function healthText(webhook: Webhook): string {
  const h = webhook.properties.deliveryHealth;
  if (!h) return '';
  if (h.failingSince) return `failing since ${formatTimestamp(h.failingSince)} (${h.consecutiveFailures} failed)`;
  if (h.lastSuccessAt) return `healthy (last success ${formatTimestamp(h.lastSuccessAt)})`;
  return 'no attempts yet';
}

export function webhookShowRow(webhook: Webhook): Record<(typeof WEBHOOK_SHOW_COLUMNS)[number], string> {
  return { ...webhookRow(webhook), HEALTH: healthText(webhook) };
}

export function recoverRow(result: RecoverResult): Record<(typeof RECOVER_COLUMNS)[number], string> {
  return { REDELIVERED: String(result.redelivered) };
}

/**
 * `az role assignment list -o table` (azure-cli, role/_format.py): Principal, Role, Scope. az shows the
 * principal's name from Microsoft Graph; the service has no Graph, so this is the object id.
 */
export const ASSIGNMENT_COLUMNS = ['Principal', 'Role', 'Scope'] as const;

export function assignmentRow(assignment: RoleAssignment): Record<(typeof ASSIGNMENT_COLUMNS)[number], string> {
  return {
    Principal: assignment.properties.principalId,
    Role: roleName(assignment.properties.roleDefinitionId),
    Scope: assignment.properties.scope,
  };
}

export const INGEST_KEY_COLUMNS = ['NAME', 'VALUE'] as const;

/** One row per key, as `az acr credential show -o table` shows one column per password. */
export function ingestKeyRows(keys: IngestKeys): Record<(typeof INGEST_KEY_COLUMNS)[number], string>[] {
  return keys.keys.map((k) => ({ NAME: k.name, VALUE: k.value }));
}
