/*
 * ACR's naming rule and the way az and the portal show an event, in one place for the service, the CLI
 * and the page (which bundles this module, so it imports nothing and touches no Node or DOM API).
 */

/** ACR's rule for registry and webhook names: 5-50 letters and digits. Identity is case-insensitive. */
export function isValidName(name: string): boolean {
  return /^[a-zA-Z0-9]{5,50}$/.test(name);
}

interface ImageTarget {
  readonly repository?: string | undefined;
  readonly tag?: string | undefined;
}

/** az's IMAGE column: `repo:tag` when there is a tag, the repository alone otherwise (deletes, pushes by digest). */
export function imageName(target: ImageTarget | undefined): string {
  const repository = target?.repository?.trim() ?? '';
  const tag = target?.tag?.trim() ?? '';
  return repository && tag ? `${repository}:${tag}` : repository;
}

/**
 * The parts of ACR's Event (one delivery attempt) that its ACTION, IMAGE, TIMESTAMP and HTTP STATUS columns
 * read, and our `delivery`, which names the action and image whatever the body's payload format (a Slack
 * message or a CloudEvent does not carry them where ACR's payload does).
 */
export interface EventCells {
  readonly eventRequestMessage?:
    | {
        readonly content?:
          | {
              readonly action?: string | undefined;
              readonly timestamp?: string | undefined;
              readonly time?: string | undefined;
              readonly target?: ImageTarget | undefined;
            }
          | undefined;
      }
    | undefined;
  readonly eventResponseMessage?: { readonly statusCode?: string | undefined; readonly reasonPhrase?: string | undefined } | undefined;
  readonly delivery?:
    { readonly action?: string | undefined; readonly image?: string | undefined; readonly createdAt?: string | undefined } | undefined;
}

/** The IMAGE of an event record. */
export function eventImage(event: EventCells): string {
  return imageName(event.eventRequestMessage?.content?.target) || (event.delivery?.image ?? '');
}

/** The ACTION of an event record. */
export function eventAction(event: EventCells): string {
  return event.eventRequestMessage?.content?.action ?? event.delivery?.action ?? '';
}

/** The TIMESTAMP of an event record: the event's (a CloudEvent's `time`), else when the delivery was made. */
export function eventTimestamp(event: EventCells): string {
  const content = event.eventRequestMessage?.content;
  return content?.timestamp ?? content?.time ?? event.delivery?.createdAt ?? '';
}

/** `200 OK`: the status code and reason phrase, or whichever of them is known. */
export function eventHttpStatus(event: EventCells): string {
  const status = event.eventResponseMessage?.statusCode?.trim() ?? '';
  const reason = event.eventResponseMessage?.reasonPhrase?.trim() ?? '';
  return status && reason ? `${status} ${reason}` : status || reason;
}
