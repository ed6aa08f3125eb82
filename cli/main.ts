#!/usr/bin/env node
import { createRequire } from 'node:module';
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { processIo } from './io.js';
import { CliError } from './errors.js';

const require = createRequire(import.meta.url);
// The package.json beside dist/ when built, or beside cli/ when run from source.
function version(): string {
  for (const path of ['../../package.json', '../package.json']) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === 'registry-webhooks' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

try {
  await buildProgram(processIo, version()).parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version exit 0; usage errors (already printed by commander) exit 2, as az does.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof CliError) {
    processIo.err(`ERROR: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    processIo.err(`ERROR: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
