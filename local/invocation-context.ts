import { randomUUID } from 'node:crypto';
import functions, { type LogLevel } from '@azure/functions';

/** Where the local host sends function logs; `npm start` prints them, tests collect them. */
export type HostLogger = (level: LogLevel, functionName: string, message: string) => void;

// @azure/functions is CommonJS and Node's ESM loader does not see this class as a named export.
const { InvocationContext } = functions;

/** An InvocationContext like the host's, its logs going to `log`. */
export function makeInvocationContext(
  functionName: string,
  log: HostLogger | undefined,
  triggerMetadata?: Record<string, unknown>,
): functions.InvocationContext {
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName,
    ...(triggerMetadata ? { triggerMetadata } : {}),
    logHandler: (level, ...args) =>
      log?.(
        level,
        functionName,
        args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? (a.stack ?? a.message) : JSON.stringify(a))).join(' '),
      ),
  });
}
