/**
 * The simulated fleet, planned from the reference data: which devices stand at which site. Deterministic: the same
 * reference data, size and seed give the same registrations, so the demo, benchmarks and fault suites agree on ids.
 * Kinds go where a contractor would put them (standards.md §7 priority premises): bait stations indoors and out at
 * markets, restaurants, estates, transfer stations and the hospital; light traps outdoors at parks, estates, streets
 * and toilets; fly boards at markets, restaurants, toilets and transfer stations; cockroach boards indoors at
 * restaurants, the hospital and the school; chlorine probes at the waterworks; fill sensors on market, toilet,
 * transfer-station and street bins.
 */
import type { DeviceKind } from '../contracts/telemetry.ts';
import type { DeviceRegistration, ReferenceData, Site } from '../contracts/registry.ts';
import { codeFor, deviceId, type StickyTarget } from './device-id.ts';
import type { SiteType } from './profiles/types.ts';
import { createRng } from './random.ts';
import { jitter, siteCentre } from './site-locations.ts';

type Placement = DeviceRegistration['placement'];
type SamplingPoint = NonNullable<DeviceRegistration['samplingPoint']>;

interface Slot {
  kind: DeviceKind;
  placement: Placement;
  /** Relative share of the fleet. */
  weight: number;
  target?: StickyTarget;
  samplingPoint?: SamplingPoint;
}

const rodent = (placement: Placement, weight: number): Slot => ({ kind: 'rodent_station', placement, weight });
const mosquito = (weight: number): Slot => ({ kind: 'mosquito_trap', placement: 'outdoor', weight });
const sticky = (target: StickyTarget, weight: number): Slot => ({ kind: 'sticky_trap', placement: 'indoor', weight, target });
const bin = (weight: number): Slot => ({ kind: 'bin_sensor', placement: 'outdoor', weight });
const water = (samplingPoint: SamplingPoint, weight: number): Slot => ({ kind: 'water_probe', placement: 'indoor', weight, samplingPoint });

const SLOTS: Readonly<Record<Exclude<SiteType, 'waterworks'>, readonly Slot[]>> = {
  market: [rodent('indoor', 3), rodent('outdoor', 2), sticky('fly', 2), bin(2)],
  restaurant: [rodent('indoor', 3), rodent('outdoor', 1), sticky('fly', 2), sticky('cockroach', 3)],
  residential: [rodent('indoor', 1), rodent('outdoor', 2), mosquito(2)],
  transfer_station: [rodent('indoor', 1), rodent('outdoor', 2), sticky('fly', 2), bin(2)],
  hospital: [rodent('indoor', 2), rodent('outdoor', 1), sticky('cockroach', 2)],
  park: [mosquito(3)],
  public_toilet: [mosquito(1), sticky('fly', 2), bin(1)],
  street: [mosquito(2), bin(3)],
  school: [sticky('cockroach', 2)],
  other: [rodent('indoor', 1)],
};

/**
 * A waterworks outlet measures finished water; a secondary-supply pump room (二次供水) measures its tank outlet and
 * the taps it feeds. GB 5749-2022 sets different chlorine floors for the two (standards.md §6).
 */
function waterSlots(site: Site): readonly Slot[] {
  const secondary = site.name.includes('二次供水') || /secondary|pump/i.test(site.nameEn);
  return secondary ? [water('secondary', 1), water('tap', 2)] : [water('finished', 2)];
}

function slotsFor(site: Site): readonly Slot[] {
  return site.type === 'waterworks' ? waterSlots(site) : SLOTS[site.type];
}

const KIND_LABEL: Readonly<Record<string, string>> = {
  rs: '鼠饵站',
  mt: '诱蚊灯',
  stf: '粘蝇板',
  stc: '粘蟑纸',
  wp: '余氯在线监测仪',
  bn: '垃圾桶满溢传感器',
};

/** Largest-remainder apportionment of `total` by weight; ties go to the earlier slot. */
function apportion(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const quotas = weights.map((w) => (total * w) / sum);
  const counts = quotas.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = quotas.map((q, i) => ({ i, frac: q - Math.floor(q) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

export interface PlanOptions {
  /** Fleet size; 200 is the demo, 20,000 a benchmark. */
  devices: number;
  seed: number;
}

export function planFleet(ref: ReferenceData, opts: PlanOptions): DeviceRegistration[] {
  const { devices, seed } = opts;
  if (!Number.isInteger(devices) || devices < 0) throw new RangeError(`devices must be a non-negative integer, got ${devices}`);
  const slots = ref.sites.flatMap((site) => slotsFor(site).map((slot) => ({ site, slot })));
  // Every slot gets one device first when the fleet is big enough, so every site, district, contractor and kind
  // is covered; the rest is shared by weight.
  const base = devices >= slots.length ? 1 : 0;
  const extra = apportion(
    slots.map((s) => s.slot.weight),
    devices - base * slots.length,
  );
  const perSiteCode = new Map<string, number>();
  const planned = slots.map(({ site, slot }, i) => {
    const count = base + (extra[i] ?? 0);
    const code = codeFor(slot.kind, slot.target);
    const key = `${site.id}|${code}`;
    const first = (perSiteCode.get(key) ?? 0) + 1;
    perSiteCode.set(key, first + count - 1);
    return { site, slot, code, first, count };
  });
  const width = Math.max(3, String(Math.max(0, ...perSiteCode.values())).length);
  const root = createRng(seed);

  const out: DeviceRegistration[] = [];
  for (const { site, slot, code, first, count } of planned) {
    const centre = siteCentre(site.id);
    for (let n = first; n < first + count; n++) {
      const id = deviceId(site.id, code, n, width);
      const placementLabel = slot.placement === 'indoor' ? '室内' : '室外';
      const reg: DeviceRegistration = {
        id,
        kind: slot.kind,
        siteId: site.id,
        placement: slot.placement,
        location: jitter(centre, root.fork(`location:${id}`)),
        label: `${site.name} ${KIND_LABEL[code] ?? code}${slot.samplingPoint ? `(${slot.samplingPoint})` : `(${placementLabel})`} ${n}号`,
      };
      if (slot.samplingPoint) reg.samplingPoint = slot.samplingPoint;
      out.push(reg);
    }
  }
  return out;
}
