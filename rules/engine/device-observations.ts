/**
 * What the device monitor (device-monitor.ts) keeps per device, so that a reading allocates next to nothing (issue 7):
 * the observation fields (scope, district and site names) for the Device object the directory returned last — a new
 * object (a registry change, or the registry's cache refreshing it) rebuilds them, as does a refresh of the district
 * names — and the alert keys, which depend on the device id alone.
 */
import type { AlertScope } from '../../contracts/alert.ts';
import type { Device, Site } from '../../contracts/registry.ts';
import type { Registry } from '../../registry/registry.ts';
import { alertKey, type AlertRule } from '../alerts/alert-rule.ts';
import type { PlaceNames } from '../alerts/texts.ts';
import type { DeviceRules } from './device-rules.ts';
import type { ObservationBase } from './observer.ts';

export interface DeviceEntry {
  device: Device;
  /**
   * The district names `base.place` was built with: a refresh of them rebuilds it, as `place()` per reading would see
   * it (it refreshes them whenever a device's district is not among them).
   */
  districts: ReadonlyMap<string, unknown>;
  base: ObservationBase;
  /** Rule id → alert key of the rule on this device. */
  keys: Map<string, string>;
  /** The silent rule (and its key) for the reporting interval it was chosen for; undefined: none chosen yet. */
  silentForMs: number | null | undefined;
  silentRule: AlertRule | undefined;
  silentKey: string;
}

export interface DeviceObservations {
  /** The observation fields of a device, built now (the timer checks, which see each device rarely). */
  baseOf(device: Device): ObservationBase;
  /** The device's entry, rebuilt if the device or the district names changed since. */
  entryOf(device: Device): DeviceEntry;
  /** The alert key of `rule` on the entry's device. */
  keyOf(e: DeviceEntry, rule: AlertRule): string;
  /** The silent rule for the device's reporting interval (null: its kind's default); its key is then `e.silentKey`. */
  silentRuleOf(e: DeviceEntry, intervalMs: number | null): AlertRule;
}

/** Entries of devices no longer heard from are dropped wholesale past this many (a registry holds fewer devices). */
const MAX_DEVICE_ENTRIES = 100_000;

export function createDeviceObservations(deps: { rules: DeviceRules; registry: Pick<Registry, 'getSite' | 'listDistricts'> }): DeviceObservations {
  const { rules } = deps;
  let districts = new Map<string, { zh: string; en: string }>();
  const sites = new Map<string, Site | undefined>();
  const entries = new Map<string, DeviceEntry>();

  function place(device: Pick<Device, 'siteId' | 'districtId'>): PlaceNames {
    if (!districts.has(device.districtId)) districts = new Map(deps.registry.listDistricts().map((d) => [d.id, { zh: d.name, en: d.nameEn }]));
    if (!sites.has(device.siteId)) sites.set(device.siteId, deps.registry.getSite(device.siteId));
    const site = sites.get(device.siteId);
    return {
      district: districts.get(device.districtId) ?? { zh: device.districtId, en: device.districtId },
      ...(site ? { site: { zh: site.name, en: site.nameEn } } : {}),
    };
  }

  const baseOf = (device: Device, scope: AlertScope = { level: 'device', id: device.id }): ObservationBase => ({
    scope, districtId: device.districtId, siteId: device.siteId, deviceId: device.id, place: place(device),
  });

  function keyOf(e: DeviceEntry, rule: AlertRule): string {
    let key = e.keys.get(rule.id);
    if (key === undefined) e.keys.set(rule.id, (key = alertKey(rule.id, e.base.scope)));
    return key;
  }

  return {
    baseOf: (device) => baseOf(device),
    keyOf,

    entryOf(device) {
      let e = entries.get(device.id);
      if (e === undefined) {
        if (entries.size >= MAX_DEVICE_ENTRIES) entries.clear();
        const base = baseOf(device); // first: place() may refresh the district names
        e = { device, districts, base, keys: new Map(), silentForMs: undefined, silentRule: undefined, silentKey: '' };
        entries.set(device.id, e);
      } else if (e.device !== device || e.districts !== districts || !districts.has(device.districtId)) {
        e.device = device;
        e.base = baseOf(device, e.base.scope);
        e.districts = districts;
        e.silentForMs = undefined; // the default interval depends on the kind
        e.silentRule = undefined;
      }
      return e;
    },

    silentRuleOf(e, intervalMs) {
      if (e.silentRule === undefined || e.silentForMs !== intervalMs) {
        e.silentRule = rules.silent(rules.silenceThresholdMin(intervalMs ?? rules.defaultIntervalMs(e.device.kind)));
        e.silentKey = keyOf(e, e.silentRule);
        e.silentForMs = intervalMs;
      }
      return e.silentRule;
    },
  };
}
