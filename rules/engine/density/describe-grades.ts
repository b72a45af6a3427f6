/**
 * A scope's grades as plain data for people and dashboards (pure): every indicator with its numerator, denominator,
 * sample size, limits, level, ratio to the C limit and evidence counts (issue 3, `GET /api/grades`), and the same
 * rows as `indicator` points for InfluxDB (contracts/influx-schema.ts INDICATOR_MEASUREMENT).
 */
import type { Bilingual, DensityIndicator, Limits, Vector } from '../../../contracts/rule-pack.ts';
import { INDICATOR_MEASUREMENT } from '../../../contracts/influx-schema.ts';
import type { Level } from '../../grade-indicator.ts';
import type { IndicatorOutcome } from '../../grade-vector.ts';
import type { Period } from '../../periods.ts';
import type { BandGrade, GradingPacks, ScopeGrades } from './grade-scope.ts';

export type IndicatorStatus = IndicatorOutcome['status'];

export interface IndicatorReport {
  indicatorId: string;
  name: Bilingual;
  unit: string;
  measuredBy: DensityIndicator['measuredBy'];
  proxyFor: string | null;
  status: IndicatorStatus;
  level: Level | null;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  sampleSize: { count: number; unit: string } | null;
  requiredSample: { count: number; unit: string } | null;
  limits: Limits | null;
  comparison: DensityIndicator['comparison'];
  /** value ÷ C limit; null when not graded. Infinity (C limit 0) is reported as null with level below_C. */
  ratioToC: number | null;
  evidence: { devices: number; surveys: number; deviceIds?: readonly string[]; surveyIds?: readonly string[] };
}

export interface VectorReport {
  vector: Vector;
  packId: string;
  packVersion: string;
  status: 'graded' | 'no_data' | 'sample_too_small';
  level: Level | null;
  worstIndicator: string | null;
  worstRatioToC: number | null;
  complete: boolean;
  missing: readonly string[];
  indicators: IndicatorReport[];
}

export interface BandReport {
  packId: string;
  packVersion: string;
  indexId: string;
  name: Bilingual;
  unit: string;
  status: 'banded' | 'no_data' | 'sample_too_small';
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  sampleSize: { count: number; unit: string } | null;
  band: { id: string; name: Bilingual; level: number } | null;
  cuts: readonly number[];
  evidence: { devices: number; surveys: number; surveyIds?: readonly string[] };
}

export interface GradesReport {
  scope: { level: string; id: string };
  period: { kind: string; label: string; start: string; end: string; timeZone: string };
  vectors: VectorReport[];
  dengue: BandReport[];
  evidence: ScopeGrades['evidence'];
}

const finite = (n: number | null | undefined): number | null => (n === null || n === undefined || !Number.isFinite(n) ? null : n);

function indicatorReport(ind: DensityIndicator, o: IndicatorOutcome, withIds: boolean): IndicatorReport {
  const index = o.index;
  const graded = o.status === 'graded' ? o.grade : null;
  return {
    indicatorId: ind.id,
    name: ind.name,
    unit: ind.unit,
    measuredBy: ind.measuredBy,
    proxyFor: ind.proxyFor ?? null,
    status: o.status,
    level: graded?.level ?? null,
    value: finite(index?.value),
    numerator: index?.numerator ?? null,
    denominator: index?.denominator ?? null,
    sampleSize: index ? { ...index.sampleSize } : null,
    requiredSample: ind.minSample ? { ...ind.minSample } : null,
    limits: ind.limits,
    comparison: ind.comparison,
    ratioToC: finite(graded?.ratioToC),
    evidence: {
      devices: index?.evidence.devices.length ?? 0,
      surveys: index?.evidence.surveys.length ?? 0,
      ...(withIds && index ? { deviceIds: index.evidence.devices, surveyIds: index.evidence.surveys } : {}),
    },
  };
}

function bandReport(packs: GradingPacks, b: BandGrade, withIds: boolean): BandReport {
  const pack = packs.bands.find((p) => p.id === b.packId);
  const def = pack?.indices.find((i) => i.id === b.indexId);
  const o = b.outcome;
  const band = o.status === 'banded' ? def?.bands[o.level] : undefined;
  return {
    packId: b.packId,
    packVersion: b.packVersion,
    indexId: b.indexId,
    name: def?.name ?? { zh: b.indexId, en: b.indexId },
    unit: def?.unit ?? '',
    status: o.status,
    value: finite(b.index?.value),
    numerator: b.index?.numerator ?? null,
    denominator: b.index?.denominator ?? null,
    sampleSize: b.index ? { ...b.index.sampleSize } : null,
    band: o.status === 'banded' && band ? { id: band.id, name: band.name, level: o.level } : null,
    cuts: def?.cuts ?? [],
    evidence: {
      devices: b.index?.evidence.devices.length ?? 0,
      surveys: b.index?.evidence.surveys.length ?? 0,
      ...(withIds && b.index ? { surveyIds: b.index.evidence.surveys } : {}),
    },
  };
}

export function describeGrades(packs: GradingPacks, grades: ScopeGrades, period: Period, opts: { evidenceIds?: boolean } = {}): GradesReport {
  const withIds = opts.evidenceIds ?? false;
  return {
    scope: { level: grades.scope.level, id: grades.scope.id },
    period: { kind: period.kind, label: period.label, start: new Date(period.startMs).toISOString(), end: new Date(period.endMs).toISOString(), timeZone: period.timeZone },
    vectors: grades.vectors.map((g) => {
      const pack = packs.density.get(g.vector);
      return {
        vector: g.vector,
        packId: g.packId,
        packVersion: g.packVersion,
        status: g.status,
        level: g.level,
        worstIndicator: g.worst?.indicatorId ?? null,
        worstRatioToC: finite(g.worstRatioToC),
        complete: g.complete,
        missing: g.missing,
        indicators: g.indicators.flatMap((o) => {
          const ind = pack?.indicators.find((i) => i.id === o.indicatorId);
          return ind ? [indicatorReport(ind, o, withIds)] : [];
        }),
      };
    }),
    dengue: grades.bands.map((b) => bandReport(packs, b, withIds)),
    evidence: grades.evidence,
  };
}

/** Line-protocol escaping for tag keys and values; strings quote `"` and `\`. */
const escapeTag = (s: string): string => s.replace(/[\\,= ]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');
const escapeString = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/**
 * One `indicator` point per indicator and band index, stamped at the period's start so a re-evaluation of the same
 * period overwrites its point (the latest evaluation wins; point identity as in docs/ingest.md). `district` is the
 * scope's district (`city` for the city scope). `level` is a grade, a band id, or a state (`no_data`,
 * `sample_too_small`, `reported`, `not_applicable`).
 */
export function indicatorLines(report: GradesReport, districtId: string, periodStartMs: number): string[] {
  const m = INDICATOR_MEASUREMENT.name;
  const ns = `${BigInt(periodStartMs) * 1_000_000n}`;
  const lines: string[] = [];
  const push = (tags: Record<string, string>, fields: Record<string, number | string | null | undefined>, intFields: ReadonlySet<string>) => {
    const tagText = Object.entries(tags)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${escapeTag(v)}`)
      .join(',');
    const fieldText = Object.entries(fields)
      .flatMap(([k, v]) => {
        if (v === null || v === undefined) return [];
        if (typeof v === 'string') return [`${k}=${escapeString(v)}`];
        if (!Number.isFinite(v)) return [];
        return [intFields.has(k) ? `${k}=${Math.round(v)}i` : `${k}=${v}`];
      })
      .join(',');
    lines.push(`${m},${tagText} ${fieldText} ${ns}`);
  };
  // sample_size is a float: km walked and trap-nights are fractional.
  const ints = new Set<string>();
  const base = {
    scope_level: report.scope.level,
    scope: report.scope.id,
    district: districtId,
    period_kind: report.period.kind,
    period: report.period.label,
  };
  for (const v of report.vectors) {
    for (const i of v.indicators) {
      push(
        { ...base, vector: v.vector, indicator: i.indicatorId, pack: v.packId },
        {
          value: i.value, numerator: i.numerator, denominator: i.denominator, sample_size: i.sampleSize?.count,
          limit_a: i.limits?.A, limit_b: i.limits?.B, limit_c: i.limits?.C, ratio_to_c: i.ratioToC,
          level: i.level ?? i.status,
        },
        ints,
      );
    }
  }
  for (const b of report.dengue) {
    push(
      { ...base, vector: 'mosquito', indicator: b.indexId, pack: b.packId },
      { value: b.value, numerator: b.numerator, denominator: b.denominator, sample_size: b.sampleSize?.count, level: b.band?.id ?? b.status },
      ints,
    );
  }
  return lines;
}
