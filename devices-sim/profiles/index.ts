/** Registry of device profiles: adding a kind is one file plus one line here. */
import type { DeviceKind } from '../../contracts/telemetry.ts';
import type { DeviceRegistration, ReferenceData } from '../../contracts/registry.ts';
import { createRng } from '../random.ts';
import { siteTypeOf } from '../site-type.ts';
import { binSensor } from './bin-sensor.ts';
import { mosquitoTrap } from './mosquito-trap.ts';
import { rodentStation } from './rodent-station.ts';
import { stickyTrap } from './sticky-trap.ts';
import type { DeviceProfile, ProfileFactory, SiteType } from './types.ts';
import { waterProbe } from './water-probe.ts';

export type { DeviceProfile, ReadingFields, SiteType } from './types.ts';

export const PROFILES: { readonly [K in DeviceKind]: ProfileFactory<K> } = {
  rodent_station: rodentStation,
  mosquito_trap: mosquitoTrap,
  sticky_trap: stickyTrap,
  water_probe: waterProbe,
  bin_sensor: binSensor,
};

/**
 * The profile of one device. Its randomness comes from `seed` and the device id, and site-wide traits (rodent
 * infestation, service day) from `seed` and the site id, so a device behaves the same whatever fleet it is in.
 * `site` is the site's type, or the reference data to look it up in; without either it is guessed from the site id.
 */
export function createProfile(reg: DeviceRegistration, seed: number, site?: SiteType | ReferenceData, activity?: () => number): DeviceProfile {
  const root = createRng(seed);
  const siteType = typeof site === 'string' ? site : siteTypeOf(reg.siteId, site);
  const factory = PROFILES[reg.kind] as ProfileFactory<DeviceKind>;
  return factory({ registration: reg, siteType, rng: root.fork(`device:${reg.id}`), siteRng: root.fork(`site:${reg.siteId}`), activity });
}
