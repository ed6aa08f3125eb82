import type { HttpMethod } from '@azure/functions';
import type { HttpHandler, QueueHandler, TimerHandler } from '../handler-types.js';
import type { Services } from './services.js';
import type { Access } from '../auth/actions.js';

/*
 * A function, declared once as data: `@azure/functions` registration and the local host both read the
 * declaration, so what `npm start` serves cannot drift from what Azure runs. `makeHandler` receives the
 * whole services object; each handler factory's parameter names only the part it uses.
 */

/** One route a function answers on; each becomes one registered function named `name`. */
interface RouteDeclaration {
  readonly name: string;
  readonly route: string;
}

export interface HttpFunctionDeclaration {
  readonly kind: 'http';
  readonly routes: readonly RouteDeclaration[];
  readonly methods: readonly HttpMethod[];
  /** Who may call it; checked before the handler runs (shared/auth/authorize.ts). */
  readonly access: Access;
  readonly makeHandler: (services: Services) => HttpHandler;
}

export interface QueueFunctionDeclaration {
  readonly kind: 'queue';
  readonly name: string;
  readonly queueName: string;
  readonly makeHandler: (services: Services) => QueueHandler;
}

/** A timer-triggered function (NCRONTAB schedule with seconds, as the Functions host reads it). */
export interface TimerFunctionDeclaration {
  readonly kind: 'timer';
  readonly name: string;
  readonly schedule: string;
  readonly makeHandler: (services: Services) => TimerHandler;
}

export type FunctionDeclaration = HttpFunctionDeclaration | QueueFunctionDeclaration | TimerFunctionDeclaration;
