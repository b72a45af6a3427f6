/**
 * One reading → the values its device rules watch (pure). Water: every parameter the probe reported, against the
 * rules of the device's sampling point; bins: fill, temperature and tilt; device health: battery, bait and lid.
 * Every applicable rule gets a value on every reading (not only breaches), so a recovered value can clear an alert.
 * Stateful rules (not emptied in time, silent) live in device-state.ts.
 */
import type { Device } from '../../contracts/registry.ts';
import type { Telemetry } from '../../contracts/telemetry.ts';
import type { AlertRule } from '../alerts/alert-rule.ts';
import type { DeviceRules } from './device-rules.ts';

export interface RuleValue {
  rule: AlertRule;
  value: number;
}

export function evaluateReading(reading: Telemetry, device: Pick<Device, 'samplingPoint'>, rules: DeviceRules): RuleValue[] {
  const collected = new RuleValues();
  collectRuleValues(reading, device, rules, collected);
  return collected.rules.map((rule, i) => ({ rule, value: collected.values[i]! })); // a fresh RuleValues: no leftovers
}

/**
 * The rules and values of one reading as two arrays, reused from one reading to the next (no object per value):
 * the first `size` entries are the reading's, the rest are left over from earlier ones.
 */
export class RuleValues {
  readonly rules: AlertRule[] = [];
  readonly values: number[] = [];
  size = 0;

  add(rule: AlertRule, value: number): void {
    this.rules[this.size] = rule;
    this.values[this.size] = value;
    this.size += 1;
  }
}

/** `evaluateReading` into `out` (cleared first): the device monitor's hot path, without allocating per reading. */
export function collectRuleValues(reading: Telemetry, device: Pick<Device, 'samplingPoint'>, rules: DeviceRules, out: RuleValues): void {
  out.size = 0;
  if (reading.battery !== undefined) out.add(rules.health.battery_low, reading.battery);
  switch (reading.kind) {
    case 'water_probe': {
      // A probe without a sampling point cannot be judged on residual floors; the registry requires one.
      const point = device.samplingPoint;
      if (point === null) break;
      for (const { rule, field } of rules.water[point]) {
        const value = reading[field];
        if (value !== undefined) out.add(rule, value);
      }
      break;
    }
    case 'bin_sensor': {
      out.add(rules.bin.full, reading.fillPct);
      out.add(rules.bin.overflow, reading.fillPct);
      if (reading.tempC !== undefined) out.add(rules.bin.fire_risk, reading.tempC);
      if (reading.tilted !== undefined && rules.bin.tilted !== null) out.add(rules.bin.tilted, reading.tilted ? 1 : 0);
      break;
    }
    case 'rodent_station':
      out.add(rules.health.bait_low, reading.baitPct);
      out.add(rules.health.lid_open, reading.lidOpen ? 1 : 0);
      break;
    case 'mosquito_trap':
    case 'sticky_trap':
      break;
  }
}
