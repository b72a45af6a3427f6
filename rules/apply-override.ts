/**
 * Applies a local override pack (a city's stricter limits, an extra indicator, a different band boundary, tuned bin
 * thresholds) to the pack it extends. The result is validated again as a whole, so an override cannot produce a pack
 * the schema would refuse (A ≤ B ≤ C, survey indicators keep their limits).
 */
import { RulePackSchema, type OverridePack, type RulePack } from '../contracts/rule-pack.ts';
import { RuleError } from './errors.ts';
import { formatIssues } from './parse-pack.ts';

function mismatch(file: string, ov: OverridePack, key: string, base: RulePack): RuleError {
  return new RuleError(
    'RULE_PACK_OVERRIDE_MISMATCH',
    `${file}: override '${ov.id}' at $.${key}: pack '${base.id}' is a ${base.type} pack and has no ${key}`,
  );
}

export function applyOverride(base: RulePack, ov: OverridePack, file: string): RulePack {
  const next: RulePack = structuredClone(base);
  next.version = `${base.version}+${ov.id}.${ov.version}`;

  if (ov.indicators !== undefined || ov.addIndicators !== undefined) {
    if (next.type !== 'density') throw mismatch(file, ov, ov.indicators ? 'indicators' : 'addIndicators', base);
    ov.indicators?.forEach((change, i) => {
      const target = next.indicators.find((ind) => ind.id === change.id);
      if (target === undefined)
        throw new RuleError(
          'RULE_PACK_UNKNOWN_INDICATOR',
          `${file}: override '${ov.id}' at $.indicators[${i}].id: pack '${base.id}' has no indicator '${change.id}'`,
        );
      target.limits = change.limits;
      target.source = change.source;
      target.confidence = change.confidence;
      if (change.comparison !== undefined) target.comparison = change.comparison;
      if (change.minSample !== undefined) target.minSample = change.minSample;
      if (change.notes !== undefined) target.notes = change.notes;
    });
    ov.addIndicators?.forEach((added, i) => {
      if (next.indicators.some((ind) => ind.id === added.id))
        throw new RuleError(
          'RULE_PACK_DUPLICATE',
          `${file}: override '${ov.id}' at $.addIndicators[${i}].id: pack '${base.id}' already has indicator '${added.id}' (use indicators to change it)`,
        );
      next.indicators.push(added);
    });
  }
  if (ov.inclusivity !== undefined) {
    if (next.type !== 'band') throw mismatch(file, ov, 'inclusivity', base);
    next.inclusivity = ov.inclusivity;
    next.inclusivitySource = [`local:${ov.id}`];
  }
  if (ov.rules !== undefined) {
    if (next.type !== 'policy') throw mismatch(file, ov, 'rules', base);
    next.rules = { ...next.rules, ...ov.rules };
  }

  const checked = RulePackSchema.safeParse(next);
  if (!checked.success)
    throw new RuleError('RULE_PACK_INVALID', formatIssues(`${file} (override '${ov.id}' applied to '${base.id}')`, next, checked.error.issues));
  return checked.data;
}
