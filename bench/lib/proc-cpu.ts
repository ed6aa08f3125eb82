import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on every usual Linux). */
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Nanoseconds a thread has run, the first field of /proc/<pid>/task/<tid>/schedstat; undefined when the kernel keeps none. */
function threadRunNs(pid: number, tid: string): number | undefined {
  try {
    const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns : undefined;
  } catch {
    return undefined; // the thread ended meanwhile, or no schedstat
  }
}

/** utime + stime of a process, all its threads, from /proc/<pid>/stat: one tick's resolution (10 ms). */
function statCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

/**
 * CPU milliseconds a process has spent so far, all its threads (garbage collector and libuv pool included):
 * the figure for a process whose code we do not control (Azurite) or do not want to touch to measure (the
 * host). Read from the scheduler's own count, /proc/<pid>/task/<tid>/schedstat, in nanoseconds; where the
 * kernel keeps none, from /proc/<pid>/stat, in ticks of 10 ms (a round of ~200 ms of CPU then reads ±5 %).
 * A thread that ended takes its time with it: Node's threads live as long as the process.
 */
export function processCpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const run = threadRunNs(pid, tid);
    if (run === undefined) return statCpuMs(pid);
    ns += run;
  }
  return ns / 1e6;
}
