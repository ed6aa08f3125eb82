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

/** What the local host prints for a log call on an invocation's context after its handler returned. */
const LATE_LOG = 'log after function completed:';

/** Runs what `npm start` runs (`dist/local/start.js`, which the test run builds first: global-setup.ts) as a child process and waits for its banner. */
export async function spawnStart(env: Record<string, string>): Promise<StartedProcess> {
  const child = spawn(process.execPath, [join(root, 'dist', 'local', 'start.js')], {
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
    /** SIGTERM, then the exit code; throws when the run logged through a finished invocation (local-host.ts). */
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      const late = out.split('\n').filter((line) => line.includes(LATE_LOG));
      if (late.length > 0) throw new Error(`logged through a finished invocation:\n  ${late.join('\n  ')}`);
      return code;
    },
  };
}
