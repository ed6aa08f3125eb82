import { Cron } from 'croner';
import type { FunctionDeclaration } from '../shared/runtime/declaration.js';
import type { Services } from '../shared/runtime/services.js';
import { bindTimer } from '../shared/runtime/bind.js';
import type { HostLogger, Invocations } from './invocation-context.js';
import { logValue } from '../shared/log-value.js';

/**
 * Timer triggers for the local host: the same six-field NCRONTAB schedules (seconds first) the Functions
 * host reads, run by `croner` (a maintained cron library that takes the seconds field), in UTC as on Azure.
 */
export function startTimerRunner(options: {
  declarations: readonly FunctionDeclaration[];
  services: Services;
  log?: HostLogger | undefined;
  invocations: Invocations;
}) {
  const jobs = options.declarations.flatMap((decl) => {
    if (decl.kind !== 'timer') return [];
    const handler = bindTimer(decl, () => Promise.resolve(options.services));
    return [
      new Cron(decl.schedule, { timezone: 'UTC', protect: true }, async () => {
        try {
          await options.invocations.run(decl.name, (context) => handler({ isPastDue: false }, context));
        } catch (err) {
          options.log?.('error', decl.name, `timer run failed: ${logValue(err instanceof Error ? err.message : err, 1000)}`);
        }
      }),
    ];
  });
  return {
    stop(): void {
      for (const job of jobs) job.stop();
    },
  };
}
