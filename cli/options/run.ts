import type { Command } from 'commander';
import type { Io } from '../io.js';
import { renderOutput, type CommandResult } from '../format/output.js';
import type { GlobalOptions } from './global-options.js';

/** Wraps a command's work: reads its options, runs it, prints the result in the chosen format. */
export function runWith<O extends GlobalOptions>(io: Io, work: (opts: O) => Promise<CommandResult | undefined>) {
  return async (_options: unknown, cmd: Command): Promise<void> => {
    const opts = cmd.opts<O>();
    const result = await work(opts);
    if (result) io.out(renderOutput(result, opts.output));
  };
}
