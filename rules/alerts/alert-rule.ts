/**
 * An alert rule as data: what it watches (`subject`), when it fires and clears (`condition`), how severe a breach
 * is (`severity`), and the unit and standard its limit comes from. The pack helper supplies the numbers
 * (rules/packs/*.json); nothing here hard-codes a limit. `describeBreach` turns a rule and one observation into
 * the alert fields, text included.
 */
import type { AlertKind, AlertScope, Severity } from '../../contracts/alert.ts';
import type { AlertBreach } from './alert-store.ts';
import { validateCondition, type ConditionParams } from './condition.ts';
import { AlertError } from './errors.ts';
import { severityFor, type SeverityPolicy } from './severity.ts';
import { alertText, type AlertTextInput, type Bilingual, type BinCondition, type DeviceCondition, type PlaceNames, type SamplingPoint } from './texts.ts';

export type RuleSubject =
  | { kind: 'density'; indicator: { id: string; name: Bilingual }; level?: string | undefined }
  | { kind: 'dengue'; index: { id: string; name: Bilingual } }
  | { kind: 'water'; parameter: { id: string; name: Bilingual }; samplingPoint: SamplingPoint; bound: 'max' | 'min' }
  | { kind: 'bin'; condition: BinCondition }
  | { kind: 'device_health'; condition: DeviceCondition };

export interface AlertRule {
  /** Stable id, part of the alert key: `density.rodent.indoor-sign-rate`, `water.free-chlorine.tap.min`. */
  id: string;
  subject: RuleSubject;
  /** `fire.threshold` is the limit the alert reports (for density: the C-level limit). */
  condition: ConditionParams;
  severity: SeverityPolicy;
  unit: string;
  standard: string;
  /** Resolve when the condition clears. Default per kind: see AUTO_RESOLVE_BY_KIND. */
  autoResolve?: boolean | undefined;
}

/** One evaluated value for one scope. `atMs` is when it was measured; it drives hold times, not alert times. */
export interface AlertObservation {
  value: number;
  atMs: number;
  scope: AlertScope;
  districtId: string;
  siteId?: string | undefined;
  deviceId?: string | undefined;
  place: PlaceNames;
  period?: (Bilingual & { id: string }) | undefined;
  /** Dengue: the band the value is in and, on a rise, the band before (rules/dengue-band.ts). */
  band?: Bilingual | undefined;
  previousBand?: Bilingual | undefined;
}

/**
 * Issue 3: device, water and bin alerts resolve themselves when the condition clears; density and dengue alerts
 * wait for a person (density with a corrective-action note), unless the deployment configures otherwise.
 */
export const AUTO_RESOLVE_BY_KIND: Readonly<Record<AlertKind, boolean>> = Object.freeze({
  density: false,
  dengue: false,
  water: true,
  bin: true,
  device_health: true,
});

export const alertKey = (ruleId: string, scope: AlertScope): string => `${ruleId}@${scope.level}:${scope.id}`;

export function validateRule(rule: AlertRule): void {
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(rule.id)) throw new AlertError('ALERT_RULE_INVALID', `rule id '${rule.id}' must match ^[A-Za-z0-9_.:-]{1,128}$`);
  validateCondition(rule.condition);
  if (rule.severity.type === 'ratio' && rule.condition.fire.threshold === 0) {
    throw new AlertError('ALERT_RULE_INVALID', `rule '${rule.id}': a ratio severity needs a non-zero limit`);
  }
}

function textInput(rule: AlertRule, obs: AlertObservation, value: number): AlertTextInput {
  const common = { place: obs.place, period: obs.period, value, limit: rule.condition.fire.threshold, unit: rule.unit, standard: rule.standard };
  const s = rule.subject;
  switch (s.kind) {
    case 'density':
      return { ...common, kind: 'density', indicator: s.indicator.name, level: s.level, inclusive: rule.condition.fire.inclusive };
    case 'dengue':
      if (obs.band === undefined) throw new AlertError('ALERT_INPUT_INVALID', `dengue rule '${rule.id}' needs the observation's band`);
      return { ...common, kind: 'dengue', index: s.index.name, band: obs.band, previousBand: obs.previousBand };
    case 'water':
      return { ...common, kind: 'water', parameter: s.parameter.name, samplingPoint: s.samplingPoint, bound: s.bound };
    case 'bin':
    case 'device_health':
      if (obs.deviceId === undefined) throw new AlertError('ALERT_INPUT_INVALID', `${s.kind} rule '${rule.id}' needs a deviceId`);
      return s.kind === 'bin'
        ? { ...common, kind: 'bin', condition: s.condition, deviceId: obs.deviceId }
        : { ...common, kind: 'device_health', condition: s.condition, deviceId: obs.deviceId };
  }
}

function indicatorOf(s: RuleSubject): string {
  switch (s.kind) {
    case 'density':
      return s.indicator.id;
    case 'dengue':
      return s.index.id;
    case 'water':
      return `${s.parameter.id}.${s.samplingPoint}.${s.bound}`;
    case 'bin':
    case 'device_health':
      return s.condition;
  }
}

export function severityOf(rule: AlertRule, value: number): Severity {
  return severityFor(rule.severity, value, rule.condition.fire.threshold, rule.condition.fire.direction);
}

/** The alert fields for a breaching observation, stamped with the engine's time `atMs`. */
export function describeBreach(rule: AlertRule, obs: AlertObservation, atMs: number): AlertBreach {
  return {
    key: alertKey(rule.id, obs.scope),
    ruleId: rule.id,
    kind: rule.subject.kind,
    severity: severityOf(rule, obs.value),
    districtId: obs.districtId,
    siteId: obs.siteId,
    deviceId: obs.deviceId,
    scope: obs.scope,
    period: obs.period?.id,
    indicator: indicatorOf(rule.subject),
    value: obs.value,
    limit: rule.condition.fire.threshold,
    unit: rule.unit,
    standard: rule.standard,
    text: alertText(textInput(rule, obs, obs.value)),
    atMs,
  };
}
