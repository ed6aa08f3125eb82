import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { root } from './service.js';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real CLI as `npx registry-webhooks` does (the package's bin, `dist/cli/main.js`, which the test
 * run builds first: global-setup.ts) with only the environment given, so nothing from the developer's shell
 * leaks in.
 */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), ...args], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A CLI bound to one service and key, as a user with the env variables exported. */
export function cliFor(url: string, key: string, extraEnv: Record<string, string> = {}) {
  return (...args: string[]) => runCli(args, { REGISTRY_WEBHOOKS_ENDPOINT: url, REGISTRY_WEBHOOKS_KEY: key, ...extraEnv });
}
