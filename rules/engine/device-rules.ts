/**
 * The device rules as data (AlertRule objects), built once from the rule packs and the alert policy:
 * - water: one rule per GB 5749-2022 parameter, sampling point and side (max, min, residual floor), so free chlorine
 *   is checked two-sided by sampling point (standards.md §6);
 * - bins: full, overflow, fire risk, tilted and not emptied in time (bin-policy pack, standards.md §7);
 * - device health: battery low, bait low, lid open, silent (alert-policy.json).
 * No number here is a literal: limits come from the packs, clear thresholds and severities from the policy.
 * Rule objects are stable (the alert manager validates each object once), so everything is built at start.
 */
import type { Severity } from '../../contracts/alert.ts';
import type { PolicyPack, RangePack, RangeParameter } from '../../contracts/rule-pack.ts';
import type { DeviceKind } from '../../contracts/telemetry.ts';
import type { AlertRule } from '../alerts/alert-rule.ts';
import type { BinCondition, DeviceCondition, SamplingPoint } from '../alerts/texts.ts';
import type { AlertPolicy } from './alert-policy.ts';

const fixed = (severity: Severity) => ({ type: 'fixed' as const, severity });
const SAMPLING_POINTS: readonly SamplingPoint[] = ['finished', 'tap', 'secondary'];

export interface WaterRule {
  rule: AlertRule;
  field: RangeParameter['field'];
}

export interface DeviceRules {
  /** Water rules that apply at a sampling point. */
  water: Readonly<Record<SamplingPoint, readonly WaterRule[]>>;
  /** `tilted` is null when the bin policy turns tilt alerts off. */
  bin: Readonly<Record<Exclude<BinCondition, 'tilted'>, AlertRule> & { tilted: AlertRule | null }>;
  health: Readonly<Record<Exclude<DeviceCondition, 'silent'>, AlertRule>>;
  /** Silent: the threshold depends on the device's reporting interval; one stable rule object per threshold. */
  silent(thresholdMin: number): AlertRule;
  /** Silence threshold of a device, in minutes: silentIntervals × its reporting interval. */
  silenceThresholdMin(intervalMs: number): number;
  defaultIntervalMs(kind: DeviceKind): number;
  standards: { water: string; bin: string; health: string };
}

function margin(policy: AlertPolicy['water'], parameterId: string, limit: number): number {
  const h = policy.hysteresisByParameter[parameterId] ?? policy.hysteresis;
  return 'relative' in h ? Math.abs(limit) * h.relative : h.absolute;
}

function waterRules(pack: RangePack, policy: AlertPolicy['water'], point: SamplingPoint): WaterRule[] {
  const out: WaterRule[] = [];
  for (const p of pack.parameters) {
    if (p.disinfectant !== undefined && p.disinfectant !== policy.disinfectant) continue;
    const severity = fixed(policy.severityByParameter[p.id] ?? policy.severity);
    const base = { severity, unit: p.unit, standard: pack.standard };
    const parameter = { id: p.id, name: p.name };
    if (p.max !== undefined) {
      const limit = p.max.value;
      out.push({
        field: p.field,
        rule: {
          ...base,
          id: `water.${p.id}.${point}.max`,
          subject: { kind: 'water', parameter, samplingPoint: point, bound: 'max' },
          // A bound that includes its value is met at the value: only beyond it breaches.
          condition: { fire: { threshold: limit, direction: 'above', inclusive: !p.max.inclusive }, clear: { threshold: limit - margin(policy, p.id, limit) }, holdMs: policy.holdMs },
        },
      });
    }
    const floors = [
      ...(p.min !== undefined ? [{ bound: p.min, rule: 'min' }] : []),
      ...(p.residualMin !== undefined ? [{ bound: p.residualMin[point], rule: 'residual_min' }] : []),
    ];
    for (const f of floors) {
      const limit = f.bound.value;
      out.push({
        field: p.field,
        rule: {
          ...base,
          id: `water.${p.id}.${point}.${f.rule}`,
          subject: { kind: 'water', parameter, samplingPoint: point, bound: 'min' },
          condition: { fire: { threshold: limit, direction: 'below', inclusive: !f.bound.inclusive }, clear: { threshold: limit + margin(policy, p.id, limit) }, holdMs: policy.holdMs },
        },
      });
    }
  }
  return out;
}

export function buildDeviceRules(packs: { water: RangePack; bin: PolicyPack }, policy: AlertPolicy): DeviceRules {
  const b = packs.bin.rules;
  const bp = policy.bin;
  const binStandard = packs.bin.standard;
  const binRule = (condition: BinCondition, unit: string, c: AlertRule['condition']): AlertRule => ({
    id: `bin.${condition}`,
    subject: { kind: 'bin', condition },
    condition: c,
    severity: fixed(bp.severity[condition]),
    unit,
    standard: binStandard,
  });
  const h = policy.deviceHealth;
  const healthStandard = `alert-policy ${policy.version}`; // an identifier, readable in both languages
  const healthRule = (condition: DeviceCondition, unit: string, c: AlertRule['condition']): AlertRule => ({
    id: `device.${condition}`,
    subject: { kind: 'device_health', condition },
    condition: c,
    severity: fixed(h.severity[condition]),
    unit,
    standard: healthStandard,
  });
  const silentRules = new Map<number, AlertRule>();

  return {
    water: Object.fromEntries(SAMPLING_POINTS.map((p) => [p, waterRules(packs.water, policy.water, p)])) as Record<SamplingPoint, WaterRule[]>,
    bin: {
      full: binRule('full', b.fullPct.unit, {
        fire: { threshold: b.fullPct.value, direction: 'above', inclusive: b.fullPct.comparison === 'ge' },
        // The pack's emptied level is the natural hysteresis: 86 → 84 % is jitter, not an emptying.
        clear: { threshold: b.emptiedBelowPct.value },
      }),
      overflow: binRule('overflow', b.overflowPct.unit, {
        fire: { threshold: b.overflowPct.value, direction: 'above', inclusive: b.overflowPct.comparison === 'ge' },
        clear: { threshold: b.fullPct.value },
      }),
      fire_risk: binRule('fire_risk', b.fireRiskTempC.unit, {
        fire: { threshold: b.fireRiskTempC.value, direction: 'above', inclusive: b.fireRiskTempC.comparison === 'ge' },
        clear: { threshold: b.fireRiskTempC.value - bp.fireRiskClearMarginC },
      }),
      tilted: b.tilted.alert ? binRule('tilted', '', { fire: { threshold: 1, direction: 'above', inclusive: true } }) : null,
      // Value: hours the bin has been full. `le` 24 h means 24 h is still in time, so only beyond it breaches.
      not_emptied: binRule('not_emptied', b.emptyWithinH.unit, {
        fire: { threshold: b.emptyWithinH.value, direction: 'above', inclusive: b.emptyWithinH.comparison === 'lt' },
      }),
    },
    health: {
      battery_low: healthRule('battery_low', '%', { fire: { threshold: h.batteryLowPct, direction: 'below', inclusive: false }, clear: { threshold: h.batteryClearPct } }),
      bait_low: healthRule('bait_low', '%', { fire: { threshold: h.baitLowPct, direction: 'below', inclusive: false }, clear: { threshold: h.baitClearPct } }),
      lid_open: healthRule('lid_open', '', { fire: { threshold: 1, direction: 'above', inclusive: true }, holdMs: h.lidOpenHoldMs }),
    },
    silent(thresholdMin) {
      let rule = silentRules.get(thresholdMin);
      if (rule === undefined) {
        rule = healthRule('silent', 'min', { fire: { threshold: thresholdMin, direction: 'above', inclusive: false } });
        silentRules.set(thresholdMin, rule);
      }
      return rule;
    },
    silenceThresholdMin: (intervalMs) => Math.ceil((h.silentIntervals * intervalMs) / 60_000),
    defaultIntervalMs: (kind) => h.defaultIntervalS[kind] * 1000,
    standards: { water: packs.water.standard, bin: binStandard, health: healthStandard },
  };
}
