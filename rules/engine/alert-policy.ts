/**
 * The engine's operational parameters as data (`alert-policy.json`): clear thresholds (hysteresis), hold times,
 * device-health thresholds, severities and the lamp-night window. The standards' limits are not here: they come from
 * the rule packs. A deployment replaces the file with `RULES_POLICY_FILE`. Strict: an unknown key is an error.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SeveritySchema } from '../../contracts/alert.ts';
import { BilingualSchema, ConfidenceSchema, SourceTagSchema } from '../../contracts/rule-pack.ts';
import { RuleError } from '../errors.ts';
import { formatIssues } from '../parse-pack.ts';

export const BUILTIN_POLICY_FILE = new URL('./alert-policy.json', import.meta.url);

const provenance = {
  source: z.array(SourceTagSchema).min(1),
  confidence: ConfidenceSchema,
  notes: BilingualSchema.optional(),
};
const ms = () => z.number().int().min(0);
const pct = () => z.number().min(0).max(100);
const Hysteresis = z.union([z.strictObject({ relative: z.number().min(0).max(1) }), z.strictObject({ absolute: z.number().min(0) })]);

export const AlertPolicySchema = z.strictObject({
  version: z.string().min(1),
  notes: BilingualSchema.optional(),
  density: z.strictObject({
    /** Once breaching, a density indicator clears below this fraction of its C limit. */
    clearRatioToLimit: z.number().min(0).max(1),
    holdMs: ms(),
    clearHoldMs: ms(),
    ...provenance,
  }),
  dengue: z.strictObject({
    /** Severity of each band, lowest band first (the band pack has cuts + 1 bands). */
    severityByBand: z.array(SeveritySchema).min(2),
    ...provenance,
  }),
  water: z.strictObject({
    hysteresis: Hysteresis,
    hysteresisByParameter: z.record(z.string(), Hysteresis),
    severity: SeveritySchema,
    severityByParameter: z.record(z.string(), SeveritySchema),
    holdMs: ms(),
    disinfectant: z.enum(['free_chlorine', 'chloramine']),
    ...provenance,
  }),
  bin: z.strictObject({
    fireRiskClearMarginC: z.number().min(0),
    severity: z.strictObject({ full: SeveritySchema, overflow: SeveritySchema, not_emptied: SeveritySchema, fire_risk: SeveritySchema, tilted: SeveritySchema }),
    ...provenance,
  }),
  deviceHealth: z
    .strictObject({
      batteryLowPct: pct(),
      batteryClearPct: pct(),
      baitLowPct: pct(),
      baitClearPct: pct(),
      lidOpenHoldMs: ms(),
      silentIntervals: z.number().positive(),
      defaultIntervalS: z.strictObject({
        rodent_station: z.number().positive(),
        mosquito_trap: z.number().positive(),
        sticky_trap: z.number().positive(),
        water_probe: z.number().positive(),
        bin_sensor: z.number().positive(),
      }),
      severity: z.strictObject({ silent: SeveritySchema, battery_low: SeveritySchema, bait_low: SeveritySchema, lid_open: SeveritySchema }),
      ...provenance,
    })
    .refine((d) => d.batteryClearPct >= d.batteryLowPct, { message: 'batteryClearPct must be ≥ batteryLowPct', path: ['batteryClearPct'] })
    .refine((d) => d.baitClearPct >= d.baitLowPct, { message: 'baitClearPct must be ≥ baitLowPct', path: ['baitClearPct'] }),
  lampNight: z.strictObject({
    fromLocalHour: z.number().int().min(0).max(23),
    toLocalHour: z.number().int().min(0).max(23),
    ...provenance,
  }),
});
export type AlertPolicy = z.infer<typeof AlertPolicySchema>;

export function parseAlertPolicy(raw: unknown, file: string): AlertPolicy {
  const result = AlertPolicySchema.safeParse(raw);
  if (!result.success) throw new RuleError('RULE_PACK_INVALID', formatIssues(file, raw, result.error.issues));
  return result.data;
}

/** The built-in policy, or the file named by `RULES_POLICY_FILE`. */
export function loadAlertPolicy(file?: string): AlertPolicy {
  const path = file ?? BUILTIN_POLICY_FILE.pathname;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file ?? BUILTIN_POLICY_FILE, 'utf8'));
  } catch (err) {
    throw new RuleError('RULE_PACK_UNREADABLE', `${path}: ${(err as Error).message}`);
  }
  return parseAlertPolicy(raw, path);
}
