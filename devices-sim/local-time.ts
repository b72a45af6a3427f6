/**
 * Local time in Guangzhou. Asia/Shanghai is UTC+08:00 all year: China has observed no daylight saving time
 * since 1991 (IANA tz database, file `asia`, rule "Shang"), so a fixed offset is exact and needs no Intl.
 */

export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** Hour of day in Asia/Shanghai, fractional (0 ≤ h < 24). */
export function localHour(tsMs: number): number {
  const ms = (((tsMs + SHANGHAI_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
  return ms / 3_600_000;
}

/** Whole local days since 1970-01-01 (Asia/Shanghai). */
export function localDay(tsMs: number): number {
  return Math.floor((tsMs + SHANGHAI_OFFSET_MS) / DAY_MS);
}

/** Epoch ms of local midnight starting the given local day. */
export function localMidnightMs(day: number): number {
  return day * DAY_MS - SHANGHAI_OFFSET_MS;
}

/** Local day of week, 0 = Sunday. */
export function localDayOfWeek(tsMs: number): number {
  return (localDay(tsMs) + 4) % 7; // 1970-01-01 was a Thursday
}

/**
 * Position in the year as a fractional month index: 0.5 is mid-January, 11.5 mid-December.
 * Monthly climate tables are read at this position and interpolated between month midpoints.
 */
export function monthPosition(tsMs: number): number {
  const d = new Date(tsMs + SHANGHAI_OFFSET_MS);
  const year = d.getUTCFullYear();
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  return (12 * (d.getTime() - start)) / (end - start);
}

/** Day of year (0-based, fractional) in local time. */
export function dayOfYear(tsMs: number): number {
  const d = new Date(tsMs + SHANGHAI_OFFSET_MS);
  return (d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS;
}

/** ISO-8601 with the `+08:00` offset, as Chinese devices commonly report, e.g. 2025-07-01T19:30:05.000+08:00. */
export function isoShanghai(tsMs: number): string {
  return new Date(tsMs + SHANGHAI_OFFSET_MS).toISOString().replace('Z', '+08:00');
}
