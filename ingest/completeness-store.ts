/**
 * Per device and local day, the seqs that reached InfluxDB (completeness.ts), kept in SQLite so the numbers survive
 * restarts and the API (another process, maybe) can read them.
 *
 * The feeder records each reading once InfluxDB has it (or refused it: the device did send it), and `flush()`es
 * the changed days in one transaction just before the spool cursor moves. A crash can only replay readings already
 * recorded, and adding a seq twice changes nothing, so the numbers stay exact. During an InfluxDB outage they lag:
 * the readings are safe in the spool (vectorwatch_spool_records_pending) and are counted as they are written.
 */
import type { DatabaseSync } from '../platform/sqlite.ts';
import { transaction } from '../platform/sqlite.ts';
import { addSeq, localDay, summarise, type DaySummary, type SeqEpoch } from './completeness.ts';

export interface DayCompleteness extends DaySummary {
  day: string;
}

export interface CompletenessTracker {
  /** Notes one received reading (idempotent). */
  record(deviceId: string, seq: number, tsMs: number): void;
  /** Writes every changed day to SQLite. */
  flush(): void;
}

export interface CompletenessReader {
  /** Days from `fromDay` to `toDay` (YYYY-MM-DD, inclusive) on which the device sent anything, oldest first. */
  days(deviceId: string, fromDay: string, toDay: string): DayCompleteness[];
}

export interface CompletenessTrackerOptions {
  timeZone: string;
  /** Device-days kept in memory; default 100 000 (the rest is reloaded from SQLite on demand). */
  cacheLimit?: number;
  /** Seqs newly known missing, and late readings that filled a gap (for the metrics). */
  onGaps?: (opened: number, filled: number) => void;
  clock?: () => number;
}

function migrate(db: DatabaseSync): void {
  db.exec(`CREATE TABLE IF NOT EXISTS seq_completeness (
    device_id TEXT NOT NULL,
    day TEXT NOT NULL,
    received INTEGER NOT NULL,
    expected INTEGER NOT NULL,
    missing INTEGER NOT NULL,
    gaps INTEGER NOT NULL,
    epochs TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (device_id, day)
  ) WITHOUT ROWID`);
}

interface CachedDay {
  deviceId: string;
  day: string;
  epochs: SeqEpoch[];
  dirty: boolean;
}

export function createCompletenessTracker(db: DatabaseSync, opts: CompletenessTrackerOptions): CompletenessTracker {
  migrate(db);
  const cacheLimit = Math.max(16, opts.cacheLimit ?? 100_000);
  const clock = opts.clock ?? Date.now;
  const load = db.prepare('SELECT epochs FROM seq_completeness WHERE device_id = ? AND day = ?');
  const save = db.prepare(`INSERT INTO seq_completeness (device_id, day, received, expected, missing, gaps, epochs, updated_at_ms)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (device_id, day) DO UPDATE SET received = excluded.received, expected = excluded.expected,
      missing = excluded.missing, gaps = excluded.gaps, epochs = excluded.epochs, updated_at_ms = excluded.updated_at_ms`);
  /** Keyed `${deviceId} ${day}`; a Map iterates in insertion order, re-inserted on use: oldest first. */
  const cache = new Map<string, CachedDay>();
  /**
   * Per device, the cached day it recorded last (always one of `cache`): a device's readings fall on one day but for
   * a few minutes a day, so this answers without building and hashing the `${deviceId} ${day}` key per reading.
   */
  const lastDay = new Map<string, CachedDay>();
  let dirtyCount = 0;

  function flush(): void {
    if (dirtyCount === 0) return;
    const now = clock();
    transaction(db, () => {
      for (const entry of cache.values()) {
        if (!entry.dirty) continue;
        const s = summarise(entry.epochs);
        save.run(entry.deviceId, entry.day, s.received, s.expected, s.missing, s.gaps, JSON.stringify(entry.epochs), now);
        entry.dirty = false;
      }
    });
    dirtyCount = 0;
  }

  function dayOf(deviceId: string, day: string): CachedDay {
    // Recency matters only near the bound (eviction flushes first, so an early eviction only costs a reload):
    // re-inserting on every reading was a measurable share of the feeder (issue 7).
    const recent = lastDay.get(deviceId);
    if (recent !== undefined && recent.day === day && cache.size < cacheLimit * 0.8) return recent;
    const key = `${deviceId} ${day}`;
    let entry = cache.get(key);
    if (entry !== undefined) {
      if (cache.size >= cacheLimit * 0.8) cache.delete(key);
    } else {
      const row = load.get(deviceId, day) as { epochs: string } | undefined;
      entry = { deviceId, day, epochs: row ? (JSON.parse(row.epochs) as SeqEpoch[]) : [], dirty: false };
      if (cache.size >= cacheLimit) {
        flush();
        for (const [k, evicted] of cache) {
          cache.delete(k);
          if (lastDay.get(evicted.deviceId) === evicted) lastDay.delete(evicted.deviceId);
          if (cache.size < cacheLimit * 0.9) break;
        }
      }
    }
    cache.set(key, entry);
    lastDay.set(deviceId, entry);
    return entry;
  }

  return {
    record(deviceId, seq, tsMs) {
      const entry = dayOf(deviceId, localDay(tsMs, opts.timeZone));
      const effect = addSeq(entry.epochs, seq, tsMs);
      if (effect.duplicate) return;
      if (!entry.dirty) dirtyCount++;
      entry.dirty = true;
      if (effect.opened > 0 || effect.filled > 0) opts.onGaps?.(effect.opened, effect.filled);
    },
    flush,
  };
}

export function createCompletenessReader(db: DatabaseSync): CompletenessReader {
  migrate(db);
  const select = db.prepare(`SELECT day, received, expected, missing, gaps, epochs FROM seq_completeness
    WHERE device_id = ? AND day >= ? AND day <= ? ORDER BY day`);
  return {
    days(deviceId, fromDay, toDay) {
      return (select.all(deviceId, fromDay, toDay) as { day: string; received: number; expected: number; missing: number; gaps: number; epochs: string }[]).map(
        (r) => ({
          day: r.day,
          received: r.received,
          expected: r.expected,
          missing: r.missing,
          gaps: r.gaps,
          epochs: (JSON.parse(r.epochs) as unknown[]).length,
        }),
      );
    },
  };
}
