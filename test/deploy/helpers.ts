import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function readText(rel: string): string {
  return readFileSync(join(root, rel), 'utf8');
}

export function readJson(rel: string): unknown {
  return JSON.parse(readText(rel)) as unknown;
}

/** A JSON object, or a test failure naming where it was expected. */
export function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: expected an object`);
  return value as Record<string, unknown>;
}

export function asArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected an array`);
  return value as unknown[];
}

/**
 * The README's "Deploy to Azure" section: its first `sh` block, as command lines (comments and blank lines
 * dropped), and its first `yaml` block.
 */
export function readmeDeploySection(): { commands: string[]; yamlBlocks: string[]; text: string } {
  const readme = readText('README.md');
  const start = readme.indexOf('\n## Deploy to Azure');
  if (start < 0) throw new Error('README.md has no "## Deploy to Azure" section');
  const next = readme.indexOf('\n## ', start + 1);
  const text = readme.slice(start, next < 0 ? undefined : next);
  const blocks = (lang: string) => [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] ?? '');
  const first = blocks('sh')[0] ?? '';
  const commands = first
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
  return { commands, yamlBlocks: blocks('yaml'), text };
}

/** A command that needs an Azure account (sign-in, provisioning, az calls). */
export function needsAzure(command: string): boolean {
  return /^(azd|az)\s/.test(command);
}
