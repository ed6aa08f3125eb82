/** A call to the management API that did not succeed, with what the service said about it. */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** The field the service blames (`properties.serviceUri`), when it names one. */
    readonly target: string | undefined,
    /** A bare 404: the service has no such route (an operation it does not offer yet). */
    readonly unsupported = false,
  ) {
    super(message);
  }
}
