/**
 * Grades one scope (site, district or city) for one period from its sensor aggregates and field surveys (pure):
 * `computeIndices` + `gradeVector` per vector (worst-of, standards.md §2.1), and the dengue bands of BI and MOI
 * (`bandIndexValue`, minimum sample honoured). Sensor and survey data mix in one grade (peers.md §3 item 10).
 */
import type { BandPack, DensityPack, Vector } from '../../../contracts/rule-pack.ts';
import type { Survey } from '../../../contracts/survey.ts';
import { bandIndexValue, type BandOutcome } from '../../dengue-band.ts';
import { gradeVector, type VectorGrade } from '../../grade-vector.ts';
import type { IndexValue } from '../../index-value.ts';
import { computeIndices } from '../../indices.ts';
import type { PackSet } from '../../load-packs.ts';
import { toSurveyRecord } from '../../surveys/survey-store.ts';
import type { ScopedAggregate } from './sensor-aggregates.ts';

export const VECTORS: readonly Vector[] = ['rodent', 'mosquito', 'fly', 'cockroach'];

export type ScopeLevel = 'site' | 'district' | 'city';
export interface Scope {
  level: ScopeLevel;
  /** Site or district id; `city` for the city. */
  id: string;
}

export interface BandGrade {
  packId: string;
  packVersion: string;
  indexId: string;
  outcome: BandOutcome;
  index: IndexValue | null;
}

export interface ScopeGrades {
  scope: Scope;
  vectors: VectorGrade[];
  bands: BandGrade[];
  evidence: { devicesListed: number; devicesReporting: number; surveys: number };
}

export interface GradingPacks {
  density: ReadonlyMap<Vector, DensityPack>;
  bands: readonly BandPack[];
}

export function gradingPacks(packs: PackSet): GradingPacks {
  const bands = [...packs.packs.values()].map((l) => l.pack).filter((p): p is BandPack => p.type === 'band');
  return { density: new Map(VECTORS.map((v) => [v, packs.densityPack(v)])), bands };
}

export function inScope(scope: Scope, where: { siteId?: string | undefined; districtId: string }): boolean {
  if (scope.level === 'city') return true;
  if (scope.level === 'district') return where.districtId === scope.id;
  return where.siteId === scope.id;
}

export function gradeScope(packs: GradingPacks, scope: Scope, aggregates: readonly ScopedAggregate[], surveys: readonly Survey[]): ScopeGrades {
  const devices = aggregates.filter((a) => inScope(scope, a));
  const mine = surveys.filter((s) => inScope(scope, s));
  const input = { devices, surveys: mine.map(toSurveyRecord) };
  const vectors = VECTORS.map((v) => {
    const pack = packs.density.get(v) as DensityPack;
    return gradeVector(pack, computeIndices(pack, input));
  });
  const bands = packs.bands.flatMap((pack) => {
    const values = new Map(computeIndices(pack, input).map((i) => [i.indicatorId, i]));
    return pack.indices.map((index): BandGrade => {
      const value = values.get(index.id) ?? null;
      const outcome: BandOutcome = value === null ? { status: 'no_data', indexId: index.id } : bandIndexValue(pack, value);
      return { packId: pack.id, packVersion: pack.version, indexId: index.id, outcome, index: value };
    });
  });
  return {
    scope,
    vectors,
    bands,
    evidence: { devicesListed: devices.length, devicesReporting: devices.filter((d) => d.reports > 0).length, surveys: mine.length },
  };
}
