/*
 * The actions routes perform, named as ACR names its operations in ARM
 * (https://learn.microsoft.com/azure/role-based-access-control/permissions/containers#microsoftcontainerregistry).
 * ACR has no action for posting events to a registry: ours follows Event Grid's `events/send/action`.
 */
export const Action = {
  webhooksRead: 'Microsoft.ContainerRegistry/registries/webhooks/read',
  webhooksWrite: 'Microsoft.ContainerRegistry/registries/webhooks/write',
  webhooksDelete: 'Microsoft.ContainerRegistry/registries/webhooks/delete',
  webhooksGetCallbackConfig: 'Microsoft.ContainerRegistry/registries/webhooks/getCallbackConfig/action',
  webhooksPing: 'Microsoft.ContainerRegistry/registries/webhooks/ping/action',
  webhooksListEvents: 'Microsoft.ContainerRegistry/registries/webhooks/listEvents/action',
  webhooksRedeliver: 'Microsoft.ContainerRegistry/registries/webhooks/redeliver/action',
  webhooksRecover: 'Microsoft.ContainerRegistry/registries/webhooks/recover/action',
  webhooksRotateSigningSecret: 'Microsoft.ContainerRegistry/registries/webhooks/rotateSigningSecret/action',
  listIngestKeys: 'Microsoft.ContainerRegistry/registries/listIngestKeys/action',
  regenerateIngestKey: 'Microsoft.ContainerRegistry/registries/regenerateIngestKey/action',
  eventsSend: 'Microsoft.ContainerRegistry/registries/events/send/action',
  roleAssignmentsRead: 'Microsoft.Authorization/roleAssignments/read',
  roleAssignmentsWrite: 'Microsoft.Authorization/roleAssignments/write',
  roleAssignmentsDelete: 'Microsoft.Authorization/roleAssignments/delete',
  roleDefinitionsRead: 'Microsoft.Authorization/roleDefinitions/read',
  /** Service-wide operations (metrics, dead letters): the management key only. */
  serviceAdminister: 'Microsoft.ContainerRegistry/webhookService/administer/action',
} as const;

export type ActionName = (typeof Action)[keyof typeof Action];

/**
 * Who may call a route, declared with the route (read where the route is; checked in one place):
 *  - `public`: anyone (the page, the OpenAPI document);
 *  - `authenticated`: any valid key or token (the built-in role definitions);
 *  - `registry`: `action` on the registry in the route, at the registry's home scope;
 *  - `ingest`: posting events to the registry in the route (ingest keys, the registry's keys, Event Sender);
 *  - `scope`: `action` on the ARM scope in the route (role assignments);
 *  - `service`: the management key only.
 */
export type Access =
  | { readonly kind: 'public' }
  | { readonly kind: 'authenticated' }
  | { readonly kind: 'registry'; readonly action: ActionName }
  | { readonly kind: 'ingest' }
  | { readonly kind: 'scope'; readonly action: ActionName }
  | { readonly kind: 'service' };
