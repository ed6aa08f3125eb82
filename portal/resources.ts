/** The management API's resources as the page reads them (ACR's ARM shapes; the service validates them). */
export interface Webhook {
  name: string;
  location: string;
  properties: {
    status: string;
    scope: string;
    actions: string[];
    multiArch?: string;
    /** Absent: no limit. */
    rateLimitPerSecond?: number;
    /** Absent: `acr`, ACR's payload. */
    payloadFormat?: string;
    skipReferrers?: boolean;
    endpointType?: string;
    queueMessageTimeToLiveSeconds?: number;
    statusReason?: string;
    deliveryHealth?: DeliveryHealth;
  };
}

/** `properties.deliveryHealth`: read-only, kept by the service. */
export interface DeliveryHealth {
  consecutiveFailures: number;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  failingSince?: string;
}

export interface WebhookPage {
  value: Webhook[];
  nextLink?: string;
}

/** One delivery attempt, as `listEvents` returns it. */
export interface WebhookEvent {
  id: string;
  eventRequestMessage?: {
    content?: { action?: string; timestamp?: string; time?: string; target?: { repository?: string; tag?: string } };
    headers?: Record<string, string>;
    method?: string;
    requestUri?: string;
  };
  eventResponseMessage?: { content?: string; headers?: Record<string, string>; statusCode?: string; reasonPhrase?: string };
  /** Our addition: the delivery's state and why, and the event's action and image whatever the payload format. */
  delivery?: { state?: string; lastError?: string; action?: string; image?: string; createdAt?: string };
}

/** The write-only part of a webhook: its URI, custom headers and connection string (secrets), returned by `getCallbackConfig`. */
export interface CallbackConfig {
  serviceUri: string;
  customHeaders: Record<string, string>;
  connectionString?: string;
}
