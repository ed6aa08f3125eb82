import type {
  HttpHandler,
  HttpFunctionDeclaration,
  QueueFunctionDeclaration,
  QueueHandler,
  TimerFunctionDeclaration,
  TimerHandler,
} from './declaration.js';
import type { Deps } from './deps.js';
import { toErrorResponse } from '../errors.js';

/**
 * Binds an HTTP declaration to a source of deps. Deps are built on the first call and shared after;
 * every error becomes ACR's error body here, the one place that happens.
 */
export function bindHttp(declaration: HttpFunctionDeclaration, deps: () => Promise<Deps>): HttpHandler {
  let handler: Promise<HttpHandler> | undefined;
  return async (request, context) => {
    try {
      handler ??= deps().then(declaration.makeHandler);
      return await (
        await handler
      )(request, context);
    } catch (err) {
      return toErrorResponse(err, context);
    }
  };
}

/** Binds a queue declaration; errors propagate so the host retries the message (then poisons it). */
export function bindQueue(declaration: QueueFunctionDeclaration, deps: () => Promise<Deps>): QueueHandler {
  let handler: Promise<QueueHandler> | undefined;
  return async (message, context) => {
    handler ??= deps().then(declaration.makeHandler);
    await (
      await handler
    )(message, context);
  };
}

/** Binds a timer declaration; errors propagate to the host's log. */
export function bindTimer(declaration: TimerFunctionDeclaration, deps: () => Promise<Deps>): TimerHandler {
  let handler: Promise<TimerHandler> | undefined;
  return async (timer, context) => {
    handler ??= deps().then(declaration.makeHandler);
    await (
      await handler
    )(timer, context);
  };
}
