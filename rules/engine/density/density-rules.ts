/**
 * Density and dengue alert rules as data, one per graded indicator and band index (built once at start):
 * - density (issue 3): an indicator of a site or district above its C limit (GB/T 27770–27773-2011, or a local
 *   pack's proxy limits); severity by how far (DEFAULT_DENSITY_SEVERITY); clears below `clearRatioToLimit` × C;
 * - dengue: a BI or MOI value reaching the band pack's first cut; severity by band.
 * Indicators without limits (sensor proxies the standards do not grade) raise nothing: they are reported only.
 */
import type { Severity } from '../../../contracts/alert.ts';
import type { BandIndex, BandPack, DensityIndicator, DensityPack, Vector } from '../../../contracts/rule-pack.ts';
import type { AlertRule } from '../../alerts/alert-rule.ts';
import { DEFAULT_DENSITY_SEVERITY } from '../../alerts/severity.ts';
import type { AlertPolicy } from '../alert-policy.ts';
import type { GradingPacks } from './grade-scope.ts';

export interface DensityRules {
  /** By `${vector}/${indicatorId}`; absent for indicators without limits. */
  density: ReadonlyMap<string, AlertRule>;
  /** By `${packId}/${indexId}`. */
  dengue: ReadonlyMap<string, { rule: AlertRule; pack: BandPack; index: BandIndex }>;
}

export const densityRuleKey = (vector: Vector, indicatorId: string) => `${vector}/${indicatorId}`;
export const dengueRuleKey = (packId: string, indexId: string) => `${packId}/${indexId}`;

function densityRule(pack: DensityPack, ind: DensityIndicator, policy: AlertPolicy['density']): AlertRule | null {
  if (ind.limits === null) return null;
  const limit = ind.limits.C;
  return {
    id: `density.${pack.vector}.${ind.id}`,
    subject: { kind: 'density', indicator: { id: ind.id, name: ind.name } },
    condition: {
      // `le`: the C limit itself still meets C; `lt`: reaching it is below C.
      fire: { threshold: limit, direction: 'above', inclusive: ind.comparison === 'lt' },
      // A C limit of 0 (flies in food premises) clears when the value is back at 0.
      clear: limit > 0 ? { threshold: limit * policy.clearRatioToLimit } : undefined,
      holdMs: policy.holdMs,
      clearHoldMs: policy.clearHoldMs,
    },
    severity: limit > 0 ? DEFAULT_DENSITY_SEVERITY : { type: 'fixed', severity: DEFAULT_DENSITY_SEVERITY.type === 'ratio' ? DEFAULT_DENSITY_SEVERITY.beyond : 'critical' },
    unit: ind.unit,
    standard: pack.standard,
  };
}

function dengueRule(pack: BandPack, index: BandIndex, policy: AlertPolicy['dengue']): AlertRule {
  const first = index.cuts[0] as number;
  const sev = (i: number): Severity => policy.severityByBand[Math.min(i, policy.severityByBand.length - 1)] as Severity;
  return {
    id: `dengue.${index.id}`,
    subject: { kind: 'dengue', index: { id: index.id, name: index.name } },
    // Clears when the index falls back into the first band (below the first cut).
    condition: { fire: { threshold: first, direction: 'above', inclusive: pack.inclusivity === 'lower' } },
    severity: { type: 'steps', base: sev(0), steps: index.cuts.map((from, i) => ({ from, severity: sev(i + 1) })) },
    unit: index.unit,
    standard: pack.standard,
  };
}

export function buildDensityRules(packs: GradingPacks, policy: AlertPolicy): DensityRules {
  const density = new Map<string, AlertRule>();
  for (const [vector, pack] of packs.density) {
    for (const ind of pack.indicators) {
      const rule = densityRule(pack, ind, policy.density);
      if (rule !== null) density.set(densityRuleKey(vector, ind.id), rule);
    }
  }
  const dengue = new Map<string, { rule: AlertRule; pack: BandPack; index: BandIndex }>();
  for (const pack of packs.bands) for (const index of pack.indices) dengue.set(dengueRuleKey(pack.id, index.id), { rule: dengueRule(pack, index, policy.dengue), pack, index });
  return { density, dengue };
}
