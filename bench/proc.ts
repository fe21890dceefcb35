import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (100 on Linux almost everywhere). */
const CLOCK_TICKS = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  comm: string;
  ppid: number;
  /** utime + stime, ms */
  ownMs: number;
  /** cutime + cstime (children already waited for), ms */
  childrenMs: number;
}

function readStat(pid: number | string): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself contain spaces or parentheses.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state), ppid field 4; utime is field 14, stime 15, cutime 16, cstime 17.
  const tick = (index: number) => Number(fields[index] ?? 0);
  return {
    comm: text.slice(open + 1, close),
    ppid: tick(1),
    ownMs: ((tick(11) + tick(12)) * 1000) / CLOCK_TICKS,
    childrenMs: ((tick(13) + tick(14)) * 1000) / CLOCK_TICKS,
  };
}

/** CPU time (user + system) the process has used so far, in ms; undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  return readStat(pid)?.ownMs;
}

/** The parent of a process (for a PostgreSQL backend: the postmaster). */
export function parentPid(pid: number): number | undefined {
  return readStat(pid)?.ppid;
}

let postmaster: number | undefined;

/** True once measurePostgresServer has named the server (it runs on this machine). */
export function postgresMeasured(): boolean {
  return postmaster !== undefined;
}

/** Which PostgreSQL server postgresCpuMs measures: its postmaster's pid (found from a backend's parent). */
export function measurePostgresServer(postmasterPid: number): void {
  postmaster = postmasterPid;
}

/**
 * CPU time of the measured PostgreSQL server: the postmaster and every process it forked (backends,
 * WAL writer, checkpointer...), including backends that have exited (their time is in the postmaster's
 * children's time once reaped). Only when the server runs on this machine; NaN otherwise.
 */
export function postgresCpuMs(): number {
  if (postmaster === undefined) return NaN;
  const main = readStat(postmaster);
  if (!main) return NaN;
  let total = main.ownMs + main.childrenMs;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat?.ppid === postmaster) total += stat.ownMs;
  }
  return total;
}

export interface MemoryKb {
  /** Resident set size now. */
  rssKb: number;
  /** Peak resident set size (since start, or since the last reset). */
  hwmKb: number;
}

export function processMemoryKb(pid: number): MemoryKb | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  const rssKb = field('VmRSS');
  const hwmKb = field('VmHWM');
  if (!Number.isFinite(rssKb)) return undefined;
  return { rssKb, hwmKb: Number.isFinite(hwmKb) ? hwmKb : rssKb };
}

/** Resets the process's VmHWM to its current RSS (Linux: write 5 to clear_refs); false if not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Polls a process's RSS; keeps the highest value seen (VmHWM included, so short spikes count). */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  peakKb = 0;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 100,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  sample(): MemoryKb | undefined {
    const memory = processMemoryKb(this.pid);
    if (memory) this.peakKb = Math.max(this.peakKb, memory.rssKb, memory.hwmKb);
    return memory;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
