import { app } from '@azure/functions';
import type { FunctionDeclaration } from './declaration.js';
import { isRecordOnly, recordDeclaration } from './registry.js';
import { bindHttp, bindQueue, bindTimer } from './bind.js';
import { azureServices, failFastUnderHost } from './azure-services.js';
import { QUEUE_CONNECTION } from '../constants.js';

let checked = false;

/**
 * Registers a declaration with `@azure/functions` (one function per route) and records it for the local
 * host. Auth level is anonymous because keys are checked by our own code, so they hold the same under
 * Azure, `func start` and `npm start`, and ARM clients can send the key as a bearer token.
 */
export function registerFunction(declaration: FunctionDeclaration): void {
  if (!checked && !isRecordOnly()) {
    checked = true;
    failFastUnderHost();
  }
  recordDeclaration(declaration);
  if (isRecordOnly()) return;
  if (declaration.kind === 'http') {
    const handler = bindHttp(declaration, azureServices);
    for (const { name, route } of declaration.routes) {
      app.http(name, { route, methods: [...declaration.methods], authLevel: 'anonymous', handler });
    }
  } else if (declaration.kind === 'timer') {
    app.timer(declaration.name, { schedule: declaration.schedule, handler: bindTimer(declaration, azureServices) });
  } else {
    app.storageQueue(declaration.name, {
      queueName: declaration.queueName,
      connection: QUEUE_CONNECTION,
      handler: bindQueue(declaration, azureServices),
    });
  }
}
