/**
 * What the device rules remember between readings, kept in the metadata database so an engine restart changes
 * nothing (issue 3):
 * - last seen: when each device last reported (engine clock at receipt, so a device's clock skew cannot hide a
 *   silence) and its reporting interval (the reading's `periodS`, else the gap between its last two readings);
 *   updated by the stream in memory and written behind in one transaction per `flush()`;
 * - bin full episodes: since when a bin has been full (bin-policy pack: full at ≥ fullPct, emptied only below
 *   emptiedBelowPct, the same episode rule as `lateEmptyings` in rules/bin-policy.ts); written through, they are rare.
 */
import type { BinRules } from '../../contracts/rule-pack.ts';
import type { DeviceKind } from '../../contracts/telemetry.ts';
import { transaction, type DatabaseSync } from '../../platform/sqlite.ts';
import { compare } from '../compare.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rules_device_seen (
  device_id TEXT PRIMARY KEY, kind TEXT NOT NULL, last_seen_ms INTEGER NOT NULL, last_ts_ms INTEGER NOT NULL, interval_ms INTEGER);
CREATE TABLE IF NOT EXISTS rules_bin_full (device_id TEXT PRIMARY KEY, full_since_ms INTEGER NOT NULL);
`;

export interface SeenDevice {
  deviceId: string;
  kind: DeviceKind;
  lastSeenMs: number;
  lastTsMs: number;
  /** null until known (no periodS and a single reading so far). */
  intervalMs: number | null;
}

export interface DeviceState {
  /**
   * Records a reading: received at `atMs` (engine clock), stamped `tsMs` by the device. Returns the device's entry,
   * which later readings update in place.
   */
  seen(deviceId: string, kind: DeviceKind, tsMs: number, periodS: number | undefined, atMs: number): SeenDevice;
  get(deviceId: string): SeenDevice | undefined;
  all(): IterableIterator<SeenDevice>;
  /** Updates the bin's full episode with one reading; returns since when it is full, or null. */
  binFill(deviceId: string, fillPct: number, tsMs: number, rules: BinRules): number | null;
  binFullSince(deviceId: string): number | null;
  binsFull(): IterableIterator<[string, number]>;
  /** Writes the last-seen changes since the previous flush. */
  flush(): void;
}

type Row = Record<string, unknown>;

export function createDeviceState(db: DatabaseSync): DeviceState {
  db.exec(SCHEMA);
  const seen = new Map<string, SeenDevice>();
  for (const r of db.prepare('SELECT * FROM rules_device_seen').all() as Row[]) {
    seen.set(String(r.device_id), {
      deviceId: String(r.device_id),
      kind: String(r.kind) as DeviceKind,
      lastSeenMs: Number(r.last_seen_ms),
      lastTsMs: Number(r.last_ts_ms),
      intervalMs: r.interval_ms === null ? null : Number(r.interval_ms),
    });
  }
  const full = new Map<string, number>();
  for (const r of db.prepare('SELECT * FROM rules_bin_full').all() as Row[]) full.set(String(r.device_id), Number(r.full_since_ms));

  const dirty = new Set<string>();
  const q = {
    upsert: db.prepare(`INSERT INTO rules_device_seen (device_id, kind, last_seen_ms, last_ts_ms, interval_ms) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(device_id) DO UPDATE SET kind = excluded.kind, last_seen_ms = excluded.last_seen_ms, last_ts_ms = excluded.last_ts_ms, interval_ms = excluded.interval_ms`),
    fullSet: db.prepare('INSERT OR REPLACE INTO rules_bin_full (device_id, full_since_ms) VALUES (?, ?)'),
    fullDelete: db.prepare('DELETE FROM rules_bin_full WHERE device_id = ?'),
  };

  return {
    seen(deviceId, kind, tsMs, periodS, atMs) {
      dirty.add(deviceId);
      const prev = seen.get(deviceId);
      if (prev === undefined) {
        const first: SeenDevice = { deviceId, kind, lastSeenMs: Math.max(atMs, 0), lastTsMs: Math.max(tsMs, 0), intervalMs: periodS !== undefined ? periodS * 1000 : null };
        seen.set(deviceId, first);
        return first;
      }
      // In place, not a new object per reading: flush() and the timers read the entry when they run.
      if (periodS !== undefined) prev.intervalMs = periodS * 1000;
      else if (tsMs > prev.lastTsMs) prev.intervalMs = tsMs - prev.lastTsMs;
      prev.kind = kind;
      // An older reading (a replay, a backlog) never moves last-seen backwards.
      prev.lastSeenMs = Math.max(atMs, prev.lastSeenMs);
      prev.lastTsMs = Math.max(tsMs, prev.lastTsMs);
      return prev;
    },
    get: (id) => seen.get(id),
    all: () => seen.values(),
    binFill(deviceId, fillPct, tsMs, rules) {
      const since = full.get(deviceId);
      if (since === undefined) {
        if (!compare(fillPct, rules.fullPct.comparison, rules.fullPct.value)) return null;
        full.set(deviceId, tsMs);
        q.fullSet.run(deviceId, tsMs);
        return tsMs;
      }
      if (compare(fillPct, rules.emptiedBelowPct.comparison, rules.emptiedBelowPct.value) && tsMs >= since) {
        full.delete(deviceId);
        q.fullDelete.run(deviceId);
        return null;
      }
      return since;
    },
    binFullSince: (id) => full.get(id) ?? null,
    binsFull: () => full.entries(),
    flush() {
      if (dirty.size === 0) return;
      const ids = [...dirty];
      dirty.clear();
      transaction(db, () => {
        for (const id of ids) {
          const s = seen.get(id);
          if (s !== undefined) q.upsert.run(s.deviceId, s.kind, s.lastSeenMs, s.lastTsMs, s.intervalMs);
        }
      });
    },
  };
}
