/**
 * The scope and period of a grading request, as people write them (issue 3): scope `city`, `district:yuexiu`,
 * `site:yx-market-dongshan`; period `2026-11` (month), `2026-W47` (ISO week), `2026-11-22` (day), or a range
 * `from..to` of local dates (both days included) or ISO instants with an offset (half-open). Periods are cut in the
 * deployment's time zone (periods.ts), never in UTC.
 */
import { RuleError } from '../errors.ts';
import { customPeriod, periodFromLabel, type Period } from '../periods.ts';
import type { Scope } from './density/grade-scope.ts';

const ID = /^[A-Za-z0-9_-]{2,64}$/;

export function parseScope(text: string): Scope {
  if (text === 'city') return { level: 'city', id: 'city' };
  const m = /^(district|site):(.+)$/.exec(text);
  if (m && ID.test(m[2] as string)) return { level: m[1] as 'district' | 'site', id: m[2] as string };
  throw new RuleError('RULE_INPUT_INVALID', `scope '${text}' is not city, district:<id> or site:<id>`);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parsePeriod(text: string, timeZone: string): Period {
  const range = text.split('..');
  if (range.length === 1) return periodFromLabel(text, timeZone);
  if (range.length !== 2) throw new RuleError('RULE_INPUT_INVALID', `period '${text}' has more than one '..'`);
  const [from, to] = range as [string, string];
  if (DATE.test(from) && DATE.test(to)) {
    const start = periodFromLabel(from, timeZone);
    const end = periodFromLabel(to, timeZone);
    return { ...customPeriod(start.startMs, end.endMs, timeZone), label: `${from}..${to}` };
  }
  const startMs = Date.parse(from);
  const endMs = Date.parse(to);
  const withOffset = (s: string) => /(Z|[+-]\d{2}:\d{2})$/.test(s);
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || !withOffset(from) || !withOffset(to))
    throw new RuleError('RULE_INPUT_INVALID', `period range '${text}' needs two local dates (YYYY-MM-DD..YYYY-MM-DD) or two ISO instants with an offset`);
  return customPeriod(startMs, endMs, timeZone);
}
