import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { root } from './service.js';

export interface StartedProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly managementKey: string;
  readonly ingestKey: string;
  output(): string;
  stop(): Promise<number | null>;
}

/** Runs `local/start.ts` (what `npm start` runs, from source) as a child process and waits for its banner. */
export async function spawnStart(env: Record<string, string>): Promise<StartedProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'local', 'start.ts')], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`start did not print its banner:\n${out}`)), 30_000);
    const check = () => {
      if (/Ingest key:.*\n/.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`start exited with ${code}:\n${out}`)));
  });
  const pick = (re: RegExp) => banner.match(re)?.[1] ?? '';
  return {
    child,
    url: pick(/API:\s+(\S+)/),
    managementKey: pick(/Management key:\s+(\S+)/),
    ingestKey: pick(/Ingest key:\s+(\S+)/),
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
