/** What every device profile is: a seeded, time-driven generator of one kind's reading fields. */
import type { DeviceKind, TelemetryOf } from '../../contracts/telemetry.ts';
import type { DeviceRegistration, Site } from '../../contracts/registry.ts';
import type { Rng } from '../random.ts';

export type SiteType = Site['type'];

/** A reading without its envelope (`v`, `kind`, `seq`, `ts`): what a profile produces. Distributes over kinds. */
export type ReadingFields<K extends DeviceKind> = K extends DeviceKind ? Omit<TelemetryOf<K>, 'v' | 'seq' | 'ts' | 'kind'> : never;

export interface DeviceProfile<K extends DeviceKind = DeviceKind> {
  readonly kind: K;
  /**
   * The reading for a report ending at `tsMs` and covering the `periodS` seconds before it (counts are for that
   * window). Deterministic given the seed and the sequence of calls; no clock is read. Calls should move forward
   * in time: profiles keep state (bait left, bin fill, battery) from one call to the next.
   */
  next(tsMs: number, periodS: number): ReadingFields<K>;
}

/** What a profile is built from. `siteRng` is shared by every device at the same site (infestation, service day). */
export interface ProfileContext {
  registration: DeviceRegistration;
  siteType: SiteType;
  rng: Rng;
  siteRng: Rng;
  /**
   * Scenario knob: a multiplier on the pest activity the device sees (1 = the profile's own behaviour), read at each
   * report. Test and demo scenarios use it to raise or end an infestation ("the simulator raises rodent activity in
   * one district"). Profiles without pests ignore it.
   */
  activity?: (() => number) | undefined;
}

export type ProfileFactory<K extends DeviceKind> = (ctx: ProfileContext) => DeviceProfile<K>;
