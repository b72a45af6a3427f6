import { describe, expect, it } from 'vitest';
import { createStealMeter, parseCpuTimes, parseStatCpuSeconds, parseStatusKb, sampleProcess } from './proc-stats.ts';

describe('proc-stats', () => {
  it('reads utime + stime after a command name with spaces and parentheses', () => {
    // fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
    const stat = '4242 (node (main) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11 0 12345 0 0';
    expect(parseStatCpuSeconds(stat)).toBeCloseTo(3.25);
  });

  it('reads all CPU ticks and the steal ticks from /proc/stat, guest time not counted twice', () => {
    const stat = 'cpu  2428250 3551 316045 2094394 62590 0 68200 481287 700 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n';
    expect(parseCpuTimes(stat)).toEqual({ totalTicks: 2428250 + 3551 + 316045 + 2094394 + 62590 + 0 + 68200 + 481287, stealTicks: 481287 });
    expect(() => parseCpuTimes('intr 1 2 3\n')).toThrow(/unreadable/);
    const pct = createStealMeter().stealPct();
    expect(pct === undefined || (pct >= 0 && pct <= 100)).toBe(true);
  });

  it('reads a kB line of /proc/<pid>/status in bytes, NaN when absent', () => {
    const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
    expect(parseStatusKb(status, 'VmRSS')).toBe(102400 * 1024);
    expect(parseStatusKb(status, 'VmHWM')).toBe(204800 * 1024);
    expect(parseStatusKb('Name:\tzombie\n', 'VmRSS')).toBeNaN();
  });

  it('samples this process and nothing for a pid that does not exist', () => {
    const s = sampleProcess(process.pid);
    expect(s?.cpuS).toBeGreaterThan(0);
    expect(s?.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(sampleProcess(2 ** 22 + 7)).toBeUndefined();
  });
});
