#!/usr/bin/env node
import { createRequire } from 'node:module';
import { processIo } from './io.js';
import { runProgram } from './run-program.js';

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

process.exitCode = await runProgram(processIo, process.argv, version());
