import type { HttpHandler, QueueHandler, TimerHandler } from '../handler-types.js';
import type { HttpFunctionDeclaration, QueueFunctionDeclaration, TimerFunctionDeclaration } from './declaration.js';
import type { Services } from './services.js';
import { onceUnlessFailed } from './once-unless-failed.js';
import { toErrorResponse } from '../errors.js';

/** Where a binder gets the services from (built on the first call; after a failure, built again). */
type ServiceSource = () => Promise<Services>;

/**
 * Binds an HTTP declaration to a source of services. The handler is made on the first call and shared
 * after, unless making it failed: then the next call tries again. Access is decided here, before the
 * handler runs, from the declaration's `access` (the one edge). Every error becomes ACR's error body
 * here, the one place that happens.
 */
export function bindHttp(declaration: HttpFunctionDeclaration, services: ServiceSource): HttpHandler {
  const bound = onceUnlessFailed(() => services().then((s) => ({ authorize: s.authorize, handle: declaration.makeHandler(s) })));
  return async (request, context) => {
    try {
      const { authorize, handle } = await bound();
      await authorize(request, declaration.access);
      return await handle(request, context);
    } catch (err) {
      return toErrorResponse(err, context);
    }
  };
}

/** Binds a queue declaration; errors propagate so the host retries the message (then poisons it). */
export function bindQueue(declaration: QueueFunctionDeclaration, services: ServiceSource): QueueHandler {
  const handler = onceUnlessFailed(() => services().then(declaration.makeHandler));
  return async (message, context) => (await handler())(message, context);
}

/** Binds a timer declaration; errors propagate to the host's log. */
export function bindTimer(declaration: TimerFunctionDeclaration, services: ServiceSource): TimerHandler {
  const handler = onceUnlessFailed(() => services().then(declaration.makeHandler));
  return async (timer, context) => (await handler())(timer, context);
}
