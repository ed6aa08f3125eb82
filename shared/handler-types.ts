import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

/** What every HTTP handler is: the v4 model's signature, so Azure and the local host call it alike. */
export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** A queue handler receives the message as the host decoded it (JSON parsed when it could be). */
export type QueueHandler = (message: unknown, context: InvocationContext) => Promise<void>;

/** A timer handler; the host passes its timer info, which our handlers do not need. */
export type TimerHandler = (timer: unknown, context: InvocationContext) => Promise<void>;
