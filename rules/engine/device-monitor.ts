/**
 * Device rules on the telemetry stream (issue 3): each reading is decoded with the contract, joined with its registry
 * device, and its values are observed against the water, bin and device-health rules (evaluate-reading.ts). Two
 * rules need memory and a timer (`checkTimers`, run by the engine's tick):
 * - silent: no reading for longer than `silentIntervals` × the device's reporting interval (last-seen table);
 * - bin not emptied in time: full for longer than the bin policy's window (full-episode table).
 * Device-health rules raise only `device_health` alerts (the rule's kind), never density ones.
 */
import type { Device, DeviceDirectory } from '../../contracts/registry.ts';
import type { BinRules } from '../../contracts/rule-pack.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Registry } from '../../registry/registry.ts';
import { decodeReading, SKIP_REASONS, type SkipReason } from './decode-reading.ts';
import { createDeviceObservations } from './device-observations.ts';
import type { DeviceRules } from './device-rules.ts';
import type { DeviceState } from './device-state.ts';
import { collectRuleValues, RuleValues } from './evaluate-reading.ts';
import { observationOf, type Observer } from './observer.ts';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface DeviceMonitorDeps {
  rules: DeviceRules;
  binRules: BinRules;
  observer: Observer;
  state: DeviceState;
  directory: DeviceDirectory;
  registry: Pick<Registry, 'getSite' | 'listDistricts'> & Partial<Pick<Registry, 'listDevices'>>;
  clock: () => number;
  logger: Logger;
}

export interface DeviceMonitorStats {
  evaluated: number;
  skipped: Record<SkipReason, number>;
}

export interface DeviceMonitor {
  /**
   * Evaluates one telemetry message, synchronously: its alert transitions are committed (SQLite) when it returns;
   * publishing follows (the dispatcher's outbox). Throws only if a store does (registry, device state, conditions).
   */
  handle(topic: string, payload: Uint8Array): void;
  /** Silence and bin-emptying checks against the clock; returns how many observations were made. */
  checkTimers(): Promise<number>;
  stats(): DeviceMonitorStats;
}

export function createDeviceMonitor(deps: DeviceMonitorDeps): DeviceMonitor {
  const { rules, observer, state, clock } = deps;
  const skipped = Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
  let evaluated = 0;
  const observations = createDeviceObservations(deps);
  const ruleValues = new RuleValues();
  const baseOf = observations.baseOf;
  const intervalOf = (kind: Device['kind'], intervalMs: number | null | undefined) => intervalMs ?? rules.defaultIntervalMs(kind);

  /** Every transition is committed before observe returns; a failure to publish it is only logged. */
  function published(p: Promise<unknown> | null, deviceId: string): void {
    if (p !== null) p.catch((err: unknown) => deps.logger.error({ err, deviceId }, 'alert transition not published'));
  }

  return {
    handle(topic, payload) {
      const decoded = decodeReading(topic, payload, deps.directory);
      if (!decoded.ok) {
        skipped[decoded.reason] += 1;
        return;
      }
      evaluated += 1;
      const { device, reading, tsMs } = decoded;
      const now = clock();
      const periodS = 'periodS' in reading ? reading.periodS : undefined;
      const seen = state.seen(device.id, device.kind, tsMs, periodS, now);
      const e = observations.entryOf(device);
      // Observation time is the reading's own time: a replayed reading is not newer than what the condition saw.
      collectRuleValues(reading, device, rules, ruleValues);
      for (let i = 0; i < ruleValues.size; i++) {
        const rule = ruleValues.rules[i]!;
        published(observer.observeKeyed(observations.keyOf(e, rule), rule, e.base, tsMs, ruleValues.values[i]!), device.id);
      }

      const silentRule = observations.silentRuleOf(e, seen.intervalMs);
      if (observer.breachingKeyed(e.silentKey)) published(observer.observeKeyed(e.silentKey, silentRule, e.base, now, 0), device.id);

      if (reading.kind === 'bin_sensor') {
        const since = state.binFill(device.id, reading.fillPct, tsMs, deps.binRules);
        const hours = since === null ? 0 : Math.round((Math.max(0, now - since) / HOUR_MS) * 10) / 10;
        const notEmptied = rules.bin.not_emptied;
        published(observer.observeKeyed(observations.keyOf(e, notEmptied), notEmptied, e.base, now, hours, 'never'), device.id);
      }
      // Publishing is the dispatcher's outbox job (redelivered after a crash), so the next reading need not wait for
      // PUBACKs or InfluxDB.
    },

    async checkTimers() {
      const now = clock();
      const pending: Promise<unknown>[] = [];
      for (const s of state.all()) {
        const threshold = rules.silenceThresholdMin(intervalOf(s.kind, s.intervalMs));
        const silentMin = Math.max(0, now - s.lastSeenMs) / MINUTE_MS;
        if (silentMin <= threshold) continue;
        const device = deps.directory.getDevice(s.deviceId);
        // A disabled or deleted device is expected to be quiet.
        if (device === undefined || device.status !== 'active') continue;
        pending.push(observer.observe(rules.silent(threshold), observationOf(baseOf(device), now, Math.round(silentMin * 10) / 10), 'never'));
      }
      // A device registered but never heard from is silent too, counted from its registration.
      if (deps.registry.listDevices) {
        const seen = new Set(Array.from(state.all(), (s) => s.deviceId));
        for (let afterId: string | undefined, page: Device[]; (page = deps.registry.listDevices({ status: 'active', limit: 5000, ...(afterId ? { afterId } : {}) })).length > 0; afterId = page.at(-1)!.id) {
          for (const device of page) {
            if (seen.has(device.id)) continue;
            const threshold = rules.silenceThresholdMin(intervalOf(device.kind, null));
            const silentMin = Math.max(0, now - Date.parse(device.createdAt)) / MINUTE_MS;
            if (silentMin <= threshold) continue;
            pending.push(observer.observe(rules.silent(threshold), observationOf(baseOf(device), now, Math.round(silentMin * 10) / 10), 'never'));
          }
        }
      }
      for (const [deviceId, since] of state.binsFull()) {
        const device = deps.directory.getDevice(deviceId);
        if (device === undefined || device.status !== 'active') continue;
        pending.push(observer.observe(rules.bin.not_emptied, observationOf(baseOf(device), now, Math.round((Math.max(0, now - since) / HOUR_MS) * 10) / 10), 'never'));
      }
      await Promise.all(pending);
      return pending.length;
    },

    stats: () => ({ evaluated, skipped: { ...skipped } }),
  };
}
