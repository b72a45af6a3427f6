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
  const out: RuleValue[] = [];
  if (reading.battery !== undefined) out.push({ rule: rules.health.battery_low, value: reading.battery });
  switch (reading.kind) {
    case 'water_probe': {
      // A probe without a sampling point cannot be judged on residual floors; the registry requires one.
      const point = device.samplingPoint;
      if (point === null) break;
      for (const { rule, field } of rules.water[point]) {
        const value = reading[field];
        if (value !== undefined) out.push({ rule, value });
      }
      break;
    }
    case 'bin_sensor': {
      out.push({ rule: rules.bin.full, value: reading.fillPct }, { rule: rules.bin.overflow, value: reading.fillPct });
      if (reading.tempC !== undefined) out.push({ rule: rules.bin.fire_risk, value: reading.tempC });
      if (reading.tilted !== undefined && rules.bin.tilted !== null) out.push({ rule: rules.bin.tilted, value: reading.tilted ? 1 : 0 });
      break;
    }
    case 'rodent_station':
      out.push({ rule: rules.health.bait_low, value: reading.baitPct }, { rule: rules.health.lid_open, value: reading.lidOpen ? 1 : 0 });
      break;
    case 'mosquito_trap':
    case 'sticky_trap':
      break;
  }
  return out;
}
