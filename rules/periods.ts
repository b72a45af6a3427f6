/**
 * Calendar periods in the deployment's time zone (`TIME_ZONE`, default Asia/Shanghai), never UTC days (issue 3):
 * a reading at 01:00 CST on 1 December belongs to December although it is still 30 November in UTC.
 * Periods are half-open, [startMs, endMs). Weeks are ISO weeks (Monday first; week 1 holds the year's first
 * Thursday). Uses `Intl` only; offsets are looked up per instant, so zones with daylight saving work too.
 */
import { RuleError } from './errors.ts';

export type PeriodKind = 'day' | 'week' | 'month' | 'custom';

export interface Period {
  readonly kind: PeriodKind;
  readonly startMs: number;
  readonly endMs: number;
  /** `2024-12-01`, `2025-W01`, `2024-12`, or `start/end` (ISO instants) for a custom range. */
  readonly label: string;
  readonly timeZone: string;
}

export interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const DAY_MS = 86_400_000;
/** A lamp-night runs dusk to dawn and counts for the date it starts on: local noon splits one night from the next. */
export const LAMP_NIGHT_CUTOFF_HOUR = 12;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      throw new RuleError('RULE_INPUT_INVALID', `unknown time zone '${timeZone}'`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

export function localDateTime(tsMs: number, timeZone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(tsMs)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const get = (k: string) => parts[k] ?? 0;
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

function offsetMs(tsMs: number, timeZone: string): number {
  const l = localDateTime(tsMs, timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - (tsMs - (((tsMs % 1000) + 1000) % 1000));
}

/** The instant of a local wall-clock time. Month and day may overflow (day 32 is the 1st of next month). */
export function zonedTimeToMs(year: number, month: number, day: number, hour: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  const first = wall - offsetMs(wall, timeZone);
  const second = offsetMs(first, timeZone);
  return wall - second;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** Calendar arithmetic on dates (no time zone involved): normalised y/m/d of y-m-(d + days). */
function addDays(y: number, m: number, d: number, days: number): { y: number; m: number; d: number } {
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}
const isoDow = (y: number, m: number, d: number) => ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;

function isoWeekOf(y: number, m: number, d: number): { weekYear: number; week: number; monday: { y: number; m: number; d: number } } {
  const dow = isoDow(y, m, d);
  const thursday = addDays(y, m, d, 4 - dow);
  const dayOfYear = (Date.UTC(thursday.y, thursday.m - 1, thursday.d) - Date.UTC(thursday.y, 0, 1)) / DAY_MS + 1;
  return { weekYear: thursday.y, week: Math.floor((dayOfYear - 1) / 7) + 1, monday: addDays(y, m, d, 1 - dow) };
}

function make(kind: PeriodKind, start: { y: number; m: number; d: number }, days: number | 'month', label: string, tz: string): Period {
  const end = days === 'month' ? { y: start.y, m: start.m + 1, d: 1 } : addDays(start.y, start.m, start.d, days);
  return { kind, startMs: zonedTimeToMs(start.y, start.m, start.d, 0, tz), endMs: zonedTimeToMs(end.y, end.m, end.d, 0, tz), label, timeZone: tz };
}

/** The day, ISO week or month containing an instant, cut in `timeZone`. */
export function periodOf(kind: Exclude<PeriodKind, 'custom'>, tsMs: number, timeZone: string): Period {
  const { year: y, month: m, day: d } = localDateTime(tsMs, timeZone);
  if (kind === 'day') return make('day', { y, m, d }, 1, `${y}-${pad(m)}-${pad(d)}`, timeZone);
  if (kind === 'month') return make('month', { y, m, d: 1 }, 'month', `${y}-${pad(m)}`, timeZone);
  const w = isoWeekOf(y, m, d);
  return make('week', w.monday, 7, `${w.weekYear}-W${pad(w.week)}`, timeZone);
}

/** A period from its label: `2024-12-01` (day), `2025-W01` (ISO week), `2024-12` (month). */
export function periodFromLabel(label: string, timeZone: string): Period {
  let match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(label);
  if (match) {
    const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const p = make('day', { y, m, d }, 1, label, timeZone);
    if (periodOf('day', p.startMs, timeZone).label === label) return p;
  }
  match = /^(\d{4})-W(\d{2})$/.exec(label);
  if (match) {
    const [y, w] = [Number(match[1]), Number(match[2])];
    // Week 1 is the week holding 4 January.
    const monday = addDays(y, 1, 4, 1 - isoDow(y, 1, 4) + (w - 1) * 7);
    const p = make('week', monday, 7, label, timeZone);
    if (w >= 1 && periodOf('week', p.startMs, timeZone).label === label) return p;
  }
  match = /^(\d{4})-(\d{2})$/.exec(label);
  if (match) {
    const [y, m] = [Number(match[1]), Number(match[2])];
    if (m >= 1 && m <= 12) return make('month', { y, m, d: 1 }, 'month', label, timeZone);
  }
  throw new RuleError('RULE_INPUT_INVALID', `'${label}' is not a day (YYYY-MM-DD), ISO week (YYYY-Www) or month (YYYY-MM)`);
}

/** A custom range [startMs, endMs). */
export function customPeriod(startMs: number, endMs: number, timeZone: string): Period {
  if (!(endMs > startMs)) throw new RuleError('RULE_INPUT_INVALID', 'a custom period must end after it starts');
  formatter(timeZone);
  return { kind: 'custom', startMs, endMs, label: `${new Date(startMs).toISOString()}/${new Date(endMs).toISOString()}`, timeZone };
}

export function inPeriod(period: Period, tsMs: number): boolean {
  return tsMs >= period.startMs && tsMs < period.endMs;
}

/**
 * The date (YYYY-MM-DD, local) of the lamp-night an instant belongs to: from local noon of day D to noon of D + 1
 * is the night of D, so a trap report at 05:00 on the 2nd counts for the night of the 1st.
 */
export function lampNightDate(tsMs: number, timeZone: string): string {
  const l = localDateTime(tsMs, timeZone);
  const d = l.hour < LAMP_NIGHT_CUTOFF_HOUR ? addDays(l.year, l.month, l.day, -1) : { y: l.year, m: l.month, d: l.day };
  return `${d.y}-${pad(d.m)}-${pad(d.d)}`;
}
