/**
 * Density evaluation (issue 3): for the current period of each configured kind (month and ISO week by default) it
 * queries the per-device aggregates once for the whole city (sensor-aggregates.ts), joins the field surveys of the
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
import { createAggregateCache } from './aggregate-cache.ts';

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
}

export interface DensityRun {
  atMs: number;
  durationMs: number;
  periods: { kind: string; label: string; scopes: number; points: number; devices: number; surveys: number; queryMs: number }[];
  observations: number;
}

export interface DensityEvaluator {
  /** Evaluates the current periods; concurrent calls share the run in progress. */
  evaluate(): Promise<DensityRun>;
  lastRun(): DensityRun | null;
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
  const cache = createAggregateCache({ influx: deps.influx, timeZone: deps.timeZone, nightWindow: deps.nightWindow });
  let last: DensityRun | null = null;

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
    const result: DensityRun = { atMs, durationMs: 0, periods: [], observations: 0 };
    const periods = deps.periodKinds.map((kind) => ({ kind, period: periodOf(kind, atMs, deps.timeZone) }));
    cache.evictBefore(Math.min(...periods.map((p) => p.period.startMs)));
    for (const { kind, period } of periods) {
      const q0 = performance.now();
      const aggregates = await cache.aggregates(period, devices, atMs);
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
  };
}
