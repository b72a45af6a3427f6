/**
 * CPU time and resident memory of a process, read from `/proc/<pid>/stat` (utime + stime, fields 14 and 15, in clock
 * ticks) and `/proc/<pid>/status` (`VmRSS`, `VmHWM`), as proc(5) describes them. The bench runs every system under
 * test as child processes so each is measured on its own.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime. 100 on every Linux architecture Node ships for (sysconf(_SC_CLK_TCK)). */
export const CLOCK_TICKS_PER_S = 100;

/** CPU seconds (user + system) from the text of `/proc/<pid>/stat`; the command name may hold spaces and parens. */
export function parseStatCpuSeconds(stat: string): number {
  const afterComm = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // afterComm[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(afterComm[11]);
  const stime = Number(afterComm[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc stat line: ${stat.slice(0, 80)}`);
  return (utime + stime) / CLOCK_TICKS_PER_S;
}

/**
 * The machine's CPU time from the first line of `/proc/stat` (`cpu  user nice system idle iowait irq softirq steal …`,
 * in clock ticks): all of it, and `steal`, the time a virtual CPU waited while the hypervisor ran something else.
 * On a shared host steal makes every figure of a run slower, so the report carries it.
 */
export function parseCpuTimes(procStat: string): { totalTicks: number; stealTicks: number } {
  const fields = procStat.slice(0, procStat.indexOf('\n') >>> 0).trim().split(/\s+/);
  if (fields[0] !== 'cpu') throw new Error(`unreadable /proc/stat: ${procStat.slice(0, 80)}`);
  // user nice system idle iowait irq softirq steal; guest and guest_nice are already counted in user and nice.
  const ticks = fields.slice(1, 9).map(Number);
  if (ticks.length < 8 || ticks.some((t) => !Number.isFinite(t))) throw new Error(`unreadable /proc/stat: ${procStat.slice(0, 80)}`);
  return { totalTicks: ticks.reduce((a, t) => a + t, 0), stealTicks: ticks[7]! };
}

/** CPU steal, % of all CPU time between two readings of `/proc/stat`; undefined without /proc. */
export function createStealMeter(): { stealPct(): number | undefined } {
  const read = () => {
    try {
      return parseCpuTimes(readFileSync('/proc/stat', 'utf8'));
    } catch {
      return undefined;
    }
  };
  const start = read();
  return {
    stealPct() {
      const end = read();
      if (start === undefined || end === undefined || end.totalTicks <= start.totalTicks) return undefined;
      return Math.round((1000 * (end.stealTicks - start.stealTicks)) / (end.totalTicks - start.totalTicks)) / 10;
    },
  };
}

/** A `kB` line of `/proc/<pid>/status` (`VmRSS`, `VmHWM`) in bytes; NaN when absent (a zombie has none). */
export function parseStatusKb(status: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

export interface ProcSample {
  cpuS: number;
  rssBytes: number;
}

/** One sample of a live process; undefined when it is gone. */
export function sampleProcess(pid: number): ProcSample | undefined {
  try {
    const cpuS = parseStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const rssBytes = parseStatusKb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
    return { cpuS, rssBytes };
  } catch {
    return undefined;
  }
}

export interface ProcUsage {
  /** CPU seconds used between `start` and `stop`. */
  cpuS: number;
  /** Mean and peak RSS over the samples taken. */
  rssMeanBytes: number;
  rssPeakBytes: number;
}

/**
 * Samples named processes every `everyMs` between `start()` and `stop()`: CPU used over the window and RSS mean and
 * peak. A process that exits mid-window keeps its last sample.
 */
export class ProcMeter {
  readonly #pids: ReadonlyMap<string, number>;
  readonly #everyMs: number;
  #first = new Map<string, ProcSample>();
  #last = new Map<string, ProcSample>();
  #rss = new Map<string, { sum: number; n: number; peak: number }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(pids: ReadonlyMap<string, number>, everyMs = 500) {
    this.#pids = pids;
    this.#everyMs = everyMs;
  }

  start(): void {
    this.#first.clear();
    this.#last.clear();
    this.#rss.clear();
    this.#tick();
    for (const [name, s] of this.#last) this.#first.set(name, s);
    this.#timer = setInterval(() => this.#tick(), this.#everyMs);
    this.#timer.unref();
  }

  stop(): Map<string, ProcUsage> {
    clearInterval(this.#timer);
    this.#tick();
    const out = new Map<string, ProcUsage>();
    for (const [name, first] of this.#first) {
      const last = this.#last.get(name) ?? first;
      const rss = this.#rss.get(name) ?? { sum: first.rssBytes, n: 1, peak: first.rssBytes };
      out.set(name, { cpuS: last.cpuS - first.cpuS, rssMeanBytes: rss.sum / rss.n, rssPeakBytes: rss.peak });
    }
    return out;
  }

  #tick(): void {
    for (const [name, pid] of this.#pids) {
      const s = sampleProcess(pid);
      if (!s) continue;
      this.#last.set(name, s);
      const r = this.#rss.get(name) ?? { sum: 0, n: 0, peak: 0 };
      if (Number.isFinite(s.rssBytes)) {
        r.sum += s.rssBytes;
        r.n += 1;
        r.peak = Math.max(r.peak, s.rssBytes);
      }
      this.#rss.set(name, r);
    }
  }
}
