/**
 * Device ids of the simulated fleet: `{siteId}-{code}-{nnn}`, e.g. `yx-market-dongshan-rs-001`. The code names the
 * kind, and for sticky traps also the target (`stf` flies, `stc` cockroaches), because the target is a static fact
 * the registration schema does not carry: the id is where the fleet plan records it, once.
 */
import { DEVICE_ID_PATTERN } from '../contracts/topics.ts';
import type { DeviceKind } from '../contracts/telemetry.ts';

export type StickyTarget = 'fly' | 'cockroach';

export const KIND_CODES = {
  rodent_station: 'rs',
  mosquito_trap: 'mt',
  sticky_fly: 'stf',
  sticky_cockroach: 'stc',
  water_probe: 'wp',
  bin_sensor: 'bn',
} as const;
export type KindCode = (typeof KIND_CODES)[keyof typeof KIND_CODES];

const MAX_ID = 64;

/** FNV-1a, 32-bit, base 36: a short stable suffix when a long site id has to be shortened. */
function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36).padStart(7, '0');
}

/** Builds an id that matches DEVICE_ID_PATTERN and stays ≤ 64 characters even for long site ids. */
export function deviceId(siteId: string, code: KindCode, n: number, width = 3): string {
  const tail = `-${code}-${String(n).padStart(width, '0')}`;
  const site = siteId.replace(/[^A-Za-z0-9_-]/g, '_');
  const id = site.length + tail.length <= MAX_ID ? site + tail : `${site.slice(0, MAX_ID - tail.length - 8)}_${shortHash(site)}${tail}`;
  if (!DEVICE_ID_PATTERN.test(id)) throw new RangeError(`cannot build a valid device id from site ${siteId}`);
  return id;
}

/** The sticky trap's target from its id; boards without a marker default to cockroach (indoor boards are the norm). */
export function stickyTargetOf(id: string): StickyTarget {
  return id.includes(`-${KIND_CODES.sticky_fly}-`) ? 'fly' : 'cockroach';
}

export function codeFor(kind: DeviceKind, target?: StickyTarget): KindCode {
  if (kind === 'sticky_trap') return target === 'fly' ? KIND_CODES.sticky_fly : KIND_CODES.sticky_cockroach;
  return KIND_CODES[kind];
}
