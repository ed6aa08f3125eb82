import type { InvocationContext } from '@azure/functions';

/**
 * What code that only logs takes: an invocation's context while its handler runs, or the process's
 * logger (`Background.log`) for work that outlives the invocation. On Azure a context whose handler has
 * returned still logs, with "Unexpected call to 'log' on the context object after function execution has
 * completed"; the local host fails a test that does it (local/invocation-context.ts).
 */
export type Logger = Pick<InvocationContext, 'log' | 'warn' | 'error'>;
