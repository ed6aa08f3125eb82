import { randomUUID } from 'node:crypto';
import functions, { type LogLevel } from '@azure/functions';
import type { Logger } from '../shared/logger.js';

/** Where the local host sends function logs; `npm start` prints them, tests collect them. */
export type HostLogger = (level: LogLevel, functionName: string, message: string) => void;

// @azure/functions is CommonJS and Node's ESM loader does not see this class as a named export.
const { InvocationContext } = functions;

/** The name the process's logger writes under: work that outlives an invocation (services.ts). */
const BACKGROUND = 'background';

const formatArgs = (args: unknown[]) =>
  args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? (a.stack ?? a.message) : JSON.stringify(a))).join(' ');

/**
 * The local host's invocations. As on Azure (the worker marks an invocation done when its handler's
 * promise settles), a context is finished once its handler settles; a log call on it after that (work
 * left running that holds on to it) is what Azure logs with "Unexpected call to 'log' on the context
 * object after function execution has completed". Here it is an error line of the host's and an entry in
 * `lateLogs`, which the tests' helpers fail on. Background work logs through `processLogger` instead.
 */
export interface Invocations {
  /** Runs `handler` with a new context, finished when the handler's promise settles. */
  run<T>(
    functionName: string,
    handler: (context: functions.InvocationContext) => Promise<T>,
    triggerMetadata?: Record<string, unknown>,
  ): Promise<T>;
  /** Each log call made on a finished context: "<function> <message>". */
  readonly lateLogs: readonly string[];
}

export function makeInvocations(log: HostLogger | undefined): Invocations {
  const lateLogs: string[] = [];
  return {
    lateLogs,
    async run(functionName, handler, triggerMetadata) {
      let finished = false;
      const context = new InvocationContext({
        invocationId: randomUUID(),
        functionName,
        ...(triggerMetadata ? { triggerMetadata } : {}),
        logHandler: (level, ...args) => {
          const message = formatArgs(args);
          if (!finished) return log?.(level, functionName, message);
          lateLogs.push(`${functionName} ${message}`);
          log?.('error', 'local-host', `log after function completed: ${functionName} ${message}`);
        },
      });
      try {
        return await handler(context);
      } finally {
        finished = true;
      }
    },
  };
}

/** The process's logger for the local host: the host's log, under the name `background`. */
export function processLogger(log: HostLogger | undefined): Logger {
  return new InvocationContext({
    functionName: BACKGROUND,
    logHandler: (level, ...args) => log?.(level, BACKGROUND, formatArgs(args)),
  });
}
