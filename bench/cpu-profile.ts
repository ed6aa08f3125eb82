/*
 * Summarises a V8 .cpuprofile (node --cpu-prof; bench:cost's COST_PROFILE): the functions and the files
 * that cost the most, by self time and by inclusive time (a function counted once per sample however
 * deeply it recurses). Given a folder, reads its newest .cpuprofile and, when bench:cost wrote one, its
 * windows.json: only the samples inside the measured rounds count.
 *
 *   npx tsx bench/cpu-profile.ts <file.cpuprofile | folder> [top=25]
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fmt } from './lib/figures.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [target = '.', topArg = '25'] = process.argv.slice(2);
const top = Number(topArg);
let file = target;
let windows: readonly (readonly [number, number])[] | undefined;
if (statSync(target).isDirectory()) {
  const newest = readdirSync(target)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(target, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) throw new Error(`no .cpuprofile in ${target}`);
  file = newest;
  const w = join(target, 'windows.json');
  if (existsSync(w)) windows = JSON.parse(readFileSync(w, 'utf8')) as [number, number][];
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const root = process.cwd();
const where = (url: string) => {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('/node_modules/');
  if (inModules >= 0) return path.slice(inModules + 14);
  return path.startsWith('/') ? relative(root, path) : path;
};
const label = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;

const selfFn = new Map<string, number>();
const totalFn = new Map<string, number>();
const selfFile = new Map<string, number>();
const totalFile = new Map<string, number>();
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
let t = profile.startTime;
let sampledUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i] ?? 0;
  // A sample's weight: the time to the next one (the last takes the previous interval).
  const weight = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
  if (windows && !windows.some(([a, b]) => t >= a && t <= b)) continue;
  const leaf = byId.get(profile.samples[i]!)!;
  if (leaf.callFrame.functionName === '(idle)') continue;
  sampledUs += weight;
  add(selfFn, label(leaf), weight);
  add(selfFile, where(leaf.callFrame.url), weight);
  const fns = new Set<string>();
  const files = new Set<string>();
  for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(root)') break;
    fns.add(label(n));
    files.add(where(n.callFrame.url));
  }
  for (const f of fns) add(totalFn, f, weight);
  for (const f of files) add(totalFile, f, weight);
}

const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${fmt(v / 1000, 1).padStart(9)} ms ${fmt((100 * v) / sampledUs, 1).padStart(5)} %  ${k}`);
};
console.log(
  `${file}: ${fmt(sampledUs / 1000)} ms on the main thread, idle excluded${windows ? `, inside ${windows.length} measured windows` : ''}`,
);
print('self time by function', selfFn);
print('self time by file', selfFile);
print('inclusive time by function', totalFn);
print('inclusive time by file', totalFile);
