/** Where a webhook sends, as the form's select and the webhook's page name it (Event Grid's destinations). */
const LABELS: Record<string, string> = {
  WebHook: 'Web Hook',
  StorageQueue: 'Storage Queue',
  ServiceBusQueue: 'Service Bus Queue',
  ServiceBusTopic: 'Service Bus Topic',
  EventHub: 'Event Hubs',
};

/** A hint of the service URI each type takes. */
export const URI_PLACEHOLDERS: Record<string, string> = {
  WebHook: 'https://example.com/hook',
  StorageQueue: 'https://myaccount.queue.core.windows.net/myqueue',
  ServiceBusQueue: 'https://mynamespace.servicebus.windows.net/myqueue',
  ServiceBusTopic: 'https://mynamespace.servicebus.windows.net/mytopic',
  EventHub: 'https://mynamespace.servicebus.windows.net/myhub',
};

/** The label of a webhook's endpoint type; a webhook without one (made by ACR's clients) is a Web Hook. */
export function endpointTypeLabel(type: string | undefined): string {
  return LABELS[type ?? 'WebHook'] ?? type ?? 'Web Hook';
}
