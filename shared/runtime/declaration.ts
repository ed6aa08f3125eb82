import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Deps } from './deps.js';

/** What every HTTP handler is: the v4 model's signature, so Azure and the local host call it alike. */
export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** A queue handler receives the message as the host decoded it (JSON parsed when it could be). */
export type QueueHandler = (message: unknown, context: InvocationContext) => Promise<void>;

/** One route a function answers on; each becomes one registered function named `name`. */
export interface RouteDeclaration {
  readonly name: string;
  readonly route: string;
}

/**
 * An HTTP function, declared once as data. `@azure/functions` registration and the local host both read
 * this, so what `npm start` serves cannot drift from what Azure runs.
 */
export interface HttpFunctionDeclaration {
  readonly kind: 'http';
  readonly routes: readonly RouteDeclaration[];
  readonly methods: readonly HttpMethod[];
  readonly makeHandler: (deps: Deps) => HttpHandler;
}

/** A queue-triggered function, declared once as data. */
export interface QueueFunctionDeclaration {
  readonly kind: 'queue';
  readonly name: string;
  readonly queueName: string;
  readonly makeHandler: (deps: Deps) => QueueHandler;
}

/** A timer handler; the host passes its timer info, which our handlers do not need. */
export type TimerHandler = (timer: unknown, context: InvocationContext) => Promise<void>;

/** A timer-triggered function (NCRONTAB schedule with seconds, as the Functions host reads it). */
export interface TimerFunctionDeclaration {
  readonly kind: 'timer';
  readonly name: string;
  readonly schedule: string;
  readonly makeHandler: (deps: Deps) => TimerHandler;
}

export type FunctionDeclaration = HttpFunctionDeclaration | QueueFunctionDeclaration | TimerFunctionDeclaration;
