import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import type { Io } from './io.js';
import { CliError } from './errors.js';

/**
 * Runs one command line (`argv` as `process.argv` gives it) and returns the exit code. Errors are printed
 * as `ERROR: <message>`, never as a stack trace.
 */
export async function runProgram(io: Io, argv: readonly string[], version: string): Promise<number> {
  try {
    await buildProgram(io, version).parseAsync(argv);
    return 0;
  } catch (err) {
    // Help and version exit 0; usage errors (already printed by commander) exit 2, as az does.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    io.err(`ERROR: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
