/**
 * Sensor indices and the standard indicators they stand in for (docs/grading.md, "Sensor proxies"):
 * - rodent bait stations: station positive rate, indoor and outdoor apart (stations with any visit or capture ÷
 *   effective stations × 100), and trap-night density (captures ÷ effective trap-nights × 100, GB/T 23798 夹夜法);
 * - light traps: light-trap index (females ÷ lamp-nights, only nights the reports cover; GB/T 23797 诱蚊灯法);
 * - sticky traps: positive-trap rate and count per trap (GB/T 23795 / 23796 粘捕法).
 * A device that reported nothing is not a zero: it is left out of the denominator and of the evidence.
 */
import type { DeviceAggregate, IndexInput, Placement, RodentStationAggregate, StickyTrapAggregate } from './inputs.ts';
import type { RawIndex } from './raw-index.ts';

const reporting = <K extends DeviceAggregate['kind']>(input: IndexInput, kind: K): Extract<DeviceAggregate, { kind: K }>[] =>
  input.devices.filter((d): d is Extract<DeviceAggregate, { kind: K }> => d.kind === kind && d.reports > 0);

function stations(input: IndexInput, placement: Placement): RodentStationAggregate[] {
  return reporting(input, 'rodent_station').filter((d) => d.placement === placement);
}

export function stationPositiveRate(placement: Placement) {
  return (input: IndexInput): RawIndex | null => {
    const effective = stations(input, placement);
    if (effective.length === 0) return null;
    return {
      numerator: effective.filter((d) => d.visits > 0 || d.caught > 0).length,
      denominator: effective.length,
      sampleSize: { count: effective.length, unit: 'stations' },
      evidence: { devices: effective.map((d) => d.deviceId), surveys: [] },
    };
  };
}

export function trapNightDensity(input: IndexInput): RawIndex | null {
  const effective = reporting(input, 'rodent_station').filter((d) => d.trapNights > 0);
  if (effective.length === 0) return null;
  const trapNights = effective.reduce((s, d) => s + d.trapNights, 0);
  return {
    numerator: effective.reduce((s, d) => s + d.caught, 0),
    denominator: trapNights,
    sampleSize: { count: trapNights, unit: 'trap-nights' },
    evidence: { devices: effective.map((d) => d.deviceId), surveys: [] },
  };
}

export function lightTrapIndex(input: IndexInput): RawIndex | null {
  const traps = reporting(input, 'mosquito_trap')
    .map((d) => ({ id: d.deviceId, nights: d.nights.filter((n) => n.coveredNight) }))
    .filter((t) => t.nights.length > 0);
  if (traps.length === 0) return null;
  const lampNights = traps.reduce((s, t) => s + t.nights.length, 0);
  return {
    numerator: traps.reduce((s, t) => s + t.nights.reduce((f, n) => f + n.females, 0), 0),
    denominator: lampNights,
    sampleSize: { count: lampNights, unit: 'lamp-nights' },
    evidence: { devices: traps.map((t) => t.id), surveys: [] },
  };
}

function stickyTraps(input: IndexInput, target: StickyTrapAggregate['target']): StickyTrapAggregate[] {
  return reporting(input, 'sticky_trap').filter((d) => d.target === target);
}

export function stickyPositiveRate(target: StickyTrapAggregate['target']) {
  return (input: IndexInput): RawIndex | null => {
    const traps = stickyTraps(input, target);
    if (traps.length === 0) return null;
    return {
      numerator: traps.filter((d) => d.count > 0).length,
      denominator: traps.length,
      sampleSize: { count: traps.length, unit: 'traps' },
      evidence: { devices: traps.map((d) => d.deviceId), surveys: [] },
    };
  };
}

export function stickyCountPerTrap(target: StickyTrapAggregate['target']) {
  return (input: IndexInput): RawIndex | null => {
    const traps = stickyTraps(input, target);
    if (traps.length === 0) return null;
    return {
      numerator: traps.reduce((s, d) => s + d.count, 0),
      denominator: traps.length,
      sampleSize: { count: traps.length, unit: 'traps' },
      evidence: { devices: traps.map((d) => d.deviceId), surveys: [] },
    };
  };
}
