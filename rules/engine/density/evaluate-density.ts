/**
 * Density evaluation (issue 3): for the current period of each configured kind (month and ISO week by default) it
 * gets the per-device aggregates once for the whole city (day-partials.ts: daily roll-ups in the metadata database
 * plus InfluxDB for the open days; it keeps the roll-ups of the current and previous periods up to date), joins the field surveys of the
 * period, grades the city, every district and every site (grade-scope.ts), writes one `indicator` point per
 * indicator and scope, and — for the alerting period kind — observes the density and dengue rules of every site and
 * district. On-demand grades of any scope and period (`GET /api/grades`) take the same path (grading.ts).
 *
 * Only graded values reach the alert rules: "no data", "sample too small" and silent devices raise nothing, and a
 * device-health problem cannot raise a density alert (a silent device is out of the denominator; peers.md §3 item 7).
 */
import type { Device, Site } from '../../../contracts/registry.ts';
import type { Survey } from '../../../contracts/survey.ts';
import type { InfluxHttp } from '../../../platform/influx-http.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { Registry } from '../../../registry/registry.ts';
import type { AlertObservation } from '../../alerts/alert-rule.ts';
import type { PlaceNames } from '../../alerts/texts.ts';
import { bandOf } from '../../dengue-band.ts';
import type { NightWindow } from '../../lamp-nights.ts';
import { periodOf, type Period } from '../../periods.ts';
import type { SurveyStore } from '../../surveys/survey-store.ts';
import type { Observer } from '../observer.ts';
import { periodNames } from '../period-names.ts';
import { densityRuleKey, dengueRuleKey, type DensityRules } from './density-rules.ts';
import { describeGrades, indicatorLines } from './describe-grades.ts';
import { gradeScope, type GradingPacks, type Scope, type ScopeGrades } from './grade-scope.ts';
import { createDayPartials } from './day-partials.ts';
import type { DayPartialsStore } from './day-partials-store.ts';

export type EvaluatedPeriodKind = 'day' | 'week' | 'month';

export interface DensityEvaluatorDeps {
  influx: Pick<InfluxHttp, 'query' | 'write'>;
  registry: Pick<Registry, 'listDevices' | 'listSites' | 'listDistricts' | 'getSite'>;
  surveys: Pick<SurveyStore, 'inRange'>;
  packs: GradingPacks;
  rules: DensityRules;
  observer: Observer;
  timeZone: string;
  nightWindow: NightWindow;
  /** Period kinds whose current period is evaluated and written. */
  periodKinds: readonly EvaluatedPeriodKind[];
  /** The kind whose current period raises density and dengue alerts. */
  alertPeriodKind: EvaluatedPeriodKind;
  clock: () => number;
  logger: Logger;
  /** Daily roll-ups (metadata database): the evaluator keeps them up to date; the API's grades read them. */
  dayStore: DayPartialsStore;
  /** How long after a day closes late readings are still looked for (RULES_ROLLUP_LATE_HOURS). */
  rollUpLateMs?: number;
}

export interface DensityRun {
  atMs: number;
  durationMs: number;
  periods: { kind: string; label: string; scopes: number; points: number; devices: number; surveys: number; queryMs: number }[];
  observations: number;
  /** Closed days rolled up before the evaluation (days of the current periods not rolled up yet). */
  rolledUp: number;
}

export interface DensityEvaluator {
  /** Evaluates the current periods; concurrent calls share the run in progress. */
  evaluate(): Promise<DensityRun>;
  lastRun(): DensityRun | null;
  /** Daily roll-ups: closed days of the current and previous periods not rolled up yet, and days rolled up so far. */
  rollUps(): { missing: number; rolledUp: number; refreshed: number };
  /** Waits for the background roll-up of the previous periods, if one runs, and stops it early. */
  close(): Promise<void>;
}

const WRITE_CHUNK = 5000;

/** Every device of the registry (paged), optionally in one district or site. */
export function allDevices(registry: Pick<Registry, 'listDevices'>, where: { districtId?: string | undefined; siteId?: string | undefined } = {}): Device[] {
  const out: Device[] = [];
  for (let afterId: string | undefined; ; ) {
    const page = registry.listDevices({
      limit: 10_000,
      ...(afterId !== undefined ? { afterId } : {}),
      ...(where.districtId !== undefined ? { districtId: where.districtId } : {}),
      ...(where.siteId !== undefined ? { siteId: where.siteId } : {}),
    });
    out.push(...page);
    if (page.length < 10_000) return out;
    afterId = page.at(-1)?.id;
  }
}

export function createDensityEvaluator(deps: DensityEvaluatorDeps): DensityEvaluator {
  const log = deps.logger.child({ module: 'density' });
  let running: Promise<DensityRun> | null = null;
  const days = createDayPartials({ influx: deps.influx, store: deps.dayStore, timeZone: deps.timeZone, nightWindow: deps.nightWindow, lateMs: deps.rollUpLateMs, offThread: true });
  let last: DensityRun | null = null;
  let backfilling: Promise<void> | null = null;
  let closing = false;
  const rollUps = { rolledUp: 0, refreshed: 0 };
  const count = (r: { rolledUp: number; refreshed: number }) => {
    rollUps.rolledUp += r.rolledUp;
    rollUps.refreshed += r.refreshed;
  };

  /** The current period of each evaluated kind, and where the current and previous periods start. */
  function windowsAt(atMs: number) {
    const periods = deps.periodKinds.map((kind) => ({ kind, period: periodOf(kind, atMs, deps.timeZone) }));
    const currentFrom = Math.min(...periods.map((p) => p.period.startMs));
    const previousFrom = Math.min(...periods.map((p) => periodOf(p.kind, p.period.startMs - 1, deps.timeZone).startMs));
    return { periods, currentFrom, previousFrom };
  }

  /**
   * The previous period of each kind (last month, last week) is what a health office grades most: its days are rolled
   * up in the background, one day at a time, so the first evaluation after a start is not held up by them.
   */
  function backfill(fromMs: number, toMs: number): void {
    if (backfilling !== null || closing || fromMs >= toMs) return;
    backfilling = (async () => {
      // One missing day per pass; once none is missing, one stale day per evaluation is re-queried (late readings).
      for (;;) {
        const r = await days.maintain(fromMs, toMs, deps.clock(), { maxDays: 1, stop: () => closing });
        count(r);
        if (r.rolledUp === 0 || closing) break;
      }
    })()
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'rolling up the previous period failed; the next evaluation tries again'))
      .finally(() => {
        backfilling = null;
      });
  }

  function places(): { district: (id: string) => PlaceNames['district']; sites: Site[] } {
    const districts = new Map(deps.registry.listDistricts().map((d) => [d.id, { zh: d.name, en: d.nameEn }]));
    return { district: (id) => districts.get(id) ?? { zh: id, en: id }, sites: deps.registry.listSites() };
  }

  async function observeScope(grades: ScopeGrades, period: Period, place: PlaceNames, districtId: string, siteId: string | undefined, atMs: number): Promise<number> {
    const scope = { level: grades.scope.level as 'site' | 'district', id: grades.scope.id };
    const base: Omit<AlertObservation, 'value'> = { atMs, scope, districtId, siteId, place, period: periodNames(period) };
    const pending: Promise<unknown>[] = [];
    for (const v of grades.vectors) {
      for (const o of v.indicators) {
        if (o.status !== 'graded') continue;
        const rule = deps.rules.density.get(densityRuleKey(v.vector, o.indicatorId));
        if (rule !== undefined) pending.push(deps.observer.observe(rule, { ...base, value: o.grade.value }, 'changed'));
      }
    }
    for (const b of grades.bands) {
      if (b.outcome.status !== 'banded') continue;
      const entry = deps.rules.dengue.get(dengueRuleKey(b.packId, b.indexId));
      if (entry === undefined) continue;
      const { rule, pack, index } = entry;
      const band = index.bands[b.outcome.level];
      const prevValue = deps.observer.lastValue(rule.id, scope);
      const prevLevel = prevValue === undefined ? undefined : bandOf(prevValue, index, pack.inclusivity).level;
      const previous = prevLevel !== undefined && prevLevel < b.outcome.level ? index.bands[prevLevel] : undefined;
      if (band === undefined) continue;
      pending.push(deps.observer.observe(rule, { ...base, value: b.outcome.value, band: band.name, previousBand: previous?.name }, 'changed'));
    }
    await Promise.all(pending);
    return pending.length;
  }

  async function write(lines: string[]): Promise<void> {
    for (let i = 0; i < lines.length; i += WRITE_CHUNK) await deps.influx.write(lines.slice(i, i + WRITE_CHUNK).join('\n'));
  }

  async function run(): Promise<DensityRun> {
    const t0 = performance.now();
    const atMs = deps.clock();
    const { district, sites } = places();
    const districtIds = [...new Set([...deps.registry.listDistricts().map((d) => d.id)])];
    const devices = allDevices(deps.registry);
    const result: DensityRun = { atMs, durationMs: 0, periods: [], observations: 0, rolledUp: 0 };
    const { periods, currentFrom, previousFrom } = windowsAt(atMs);
    // Days of the current periods first (the alerts depend on them), with one stale day re-queried for late readings.
    const current = await days.maintain(currentFrom, atMs, atMs);
    count(current);
    result.rolledUp = current.rolledUp;
    for (const { kind, period } of periods) {
      const q0 = performance.now();
      const { aggregates } = await days.aggregates(period, {}, devices);
      const surveys: Survey[] = deps.surveys.inRange(period.startMs, period.endMs);
      const queryMs = performance.now() - q0;
      const scopes: { scope: Scope; districtId: string; site?: Site }[] = [
        { scope: { level: 'city', id: 'city' }, districtId: 'city' },
        ...districtIds.map((id) => ({ scope: { level: 'district' as const, id }, districtId: id })),
        ...sites.map((s) => ({ scope: { level: 'site' as const, id: s.id }, districtId: s.districtId, site: s })),
      ];
      const lines: string[] = [];
      for (const s of scopes) {
        const grades = gradeScope(deps.packs, s.scope, aggregates, surveys);
        lines.push(...indicatorLines(describeGrades(deps.packs, grades, period), s.districtId, period.startMs));
        if (kind === deps.alertPeriodKind && s.scope.level !== 'city') {
          const place: PlaceNames = { district: district(s.districtId), ...(s.site ? { site: { zh: s.site.name, en: s.site.nameEn } } : {}) };
          result.observations += await observeScope(grades, period, place, s.districtId, s.site?.id, atMs);
        }
      }
      try {
        await write(lines);
      } catch (err) {
        log.warn({ err: (err as Error).message, period: period.label, points: lines.length }, 'indicator points not written; the next evaluation writes them again');
      }
      result.periods.push({ kind, label: period.label, scopes: scopes.length, points: lines.length, devices: aggregates.filter((a) => a.reports > 0).length, surveys: surveys.length, queryMs: Math.round(queryMs) });
    }
    result.durationMs = Math.round(performance.now() - t0);
    log.debug(result, 'density evaluated');
    backfill(previousFrom, currentFrom);
    return result;
  }

  return {
    evaluate() {
      running ??= run()
        .then((r) => {
          last = r;
          return r;
        })
        .finally(() => {
          running = null;
        });
      return running;
    },
    lastRun: () => last,
    rollUps: () => {
      const now = deps.clock();
      return { missing: days.missing(windowsAt(now).previousFrom, now, now), ...rollUps };
    },
    async close() {
      closing = true;
      await running?.catch(() => undefined);
      await backfilling;
    },
  };
}
