/**
 * Daily roll-ups of the density inputs in the metadata database (issue 7: a month's grading of a 20,000-device
 * district in ≤ 2 s). One row per device and closed local day: the sums the indices need (rodent stations: reports,
 * visits, caught, covered seconds; sticky traps: reports, count, target; light traps: reports and the lamp-night that
 * starts that day). A period's partials are then one SQL `GROUP BY` over ≤ 31 rows per device instead of InfluxDB
 * scanning every raw reading (and every hourly light-trap bucket) of the month; InfluxDB 1.x pays per series, so even a
 * roll-up measurement there costs ~10 s for 20,000 devices (docs/benchmarks.md).
 *
 * The rules engine is the only writer (day-partials.ts `maintain`); the API reads. Rows are derived data: they can be
 * dropped at any time and are rebuilt from InfluxDB, the store of record. A day is keyed by its local start and the
 * configuration that shaped it (time zone, lamp-night window): rows made under another configuration are ignored.
 */
import { transaction, type DatabaseSync } from '../../../platform/sqlite.ts';
import type { LampNight } from '../../indices/inputs.ts';
import { createPartialsReader, type PartialsReader } from './day-partials-reader.ts';
import { emptyPartials, type Partials } from './sensor-aggregates.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS density_days (
  day_ms INTEGER PRIMARY KEY, end_ms INTEGER NOT NULL, config TEXT NOT NULL, fetched_at_ms INTEGER NOT NULL, rows INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS density_day_partials (
  district_id TEXT NOT NULL, kind TEXT NOT NULL, device_id TEXT NOT NULL, site_id TEXT NOT NULL, day_ms INTEGER NOT NULL,
  reports INTEGER NOT NULL, visits REAL NOT NULL DEFAULT 0, caught REAL NOT NULL DEFAULT 0, covered REAL NOT NULL DEFAULT 0,
  total REAL NOT NULL DEFAULT 0, target TEXT, night TEXT, night_covered INTEGER, night_females REAL,
  PRIMARY KEY (district_id, kind, device_id, site_id, day_ms)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS density_day_partials_site ON density_day_partials(site_id, day_ms);
CREATE INDEX IF NOT EXISTS density_day_partials_day ON density_day_partials(day_ms);
`;

export interface StoredDay {
  startMs: number;
  fetchedAtMs: number;
}

export interface PartialsWhere {
  districtId?: string | undefined;
  siteId?: string | undefined;
}

export interface DayPartialsStore {
  /** Replaces one day's rows (a closed day, already settled by `settleDay`). */
  put(day: { startMs: number; endMs: number }, partials: Partials, meta: { config: string; fetchedAtMs: number }): void;
  /** The days stored under this configuration that start in [fromMs, toMs). */
  storedDays(fromMs: number, toMs: number, config: string): StoredDay[];
  /** Partial sums over the stored days in [fromMs, toMs), narrowed to a district or site. */
  read(fromMs: number, toMs: number, config: string, where?: PartialsWhere): Partials;
  /** The same, read off the event loop (day-partials-reader.ts) when the database is a file. */
  readAsync(fromMs: number, toMs: number, config: string, where?: PartialsWhere): Promise<Partials>;
  /** Stops the reader thread, if one was started. */
  close(): Promise<void>;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0);
const str = (v: unknown): string => String(v);
const key = (deviceId: string, siteId: string) => `${deviceId}\u0000${siteId}`;

export function createDayPartialsStore(db: DatabaseSync): DayPartialsStore {
  db.exec(SCHEMA);
  const q = {
    deleteDay: db.prepare('DELETE FROM density_day_partials WHERE day_ms = ?'),
    insert: db.prepare(`INSERT INTO density_day_partials
      (district_id, kind, device_id, site_id, day_ms, reports, visits, caught, covered, total, target, night, night_covered, night_females)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    putDay: db.prepare('INSERT OR REPLACE INTO density_days (day_ms, end_ms, config, fetched_at_ms, rows) VALUES (?, ?, ?, ?, ?)'),
    days: db.prepare('SELECT day_ms, fetched_at_ms FROM density_days WHERE config = ? AND day_ms >= ? AND day_ms < ? ORDER BY day_ms'),
  };
  // One prepared statement per (query, narrowing) pair.
  const reads = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  function statement(which: 'sums' | 'nights', where: PartialsWhere): { stmt: ReturnType<DatabaseSync['prepare']>; args: string[] } {
    const conds: string[] = [];
    const args: string[] = [];
    if (where.districtId !== undefined) {
      conds.push('district_id = ?');
      args.push(where.districtId);
    }
    if (where.siteId !== undefined) {
      conds.push('site_id = ?');
      args.push(where.siteId);
    }
    const id = `${which}:${conds.join(',')}`;
    let stmt = reads.get(id);
    if (stmt === undefined) {
      const scope = conds.map((c) => ` AND ${c}`).join('');
      const days = 'day_ms >= ? AND day_ms < ? AND day_ms IN (SELECT day_ms FROM density_days WHERE config = ? AND day_ms >= ? AND day_ms < ?)';
      // A sticky trap's target is that of its latest day: SQLite takes a bare column from the row max() picks.
      stmt = db.prepare(
        which === 'sums'
          ? `SELECT kind, device_id, site_id, district_id, sum(reports) AS reports, sum(visits) AS visits, sum(caught) AS caught,
               sum(covered) AS covered, sum(total) AS total, target, max(day_ms) AS latest
             FROM density_day_partials WHERE kind IN ('rodent_station', 'sticky_trap')${scope} AND ${days}
             GROUP BY kind, device_id, site_id`
          : `SELECT device_id, site_id, district_id, reports, night, night_covered, night_females
             FROM density_day_partials WHERE kind = 'mosquito_trap'${scope} AND ${days} ORDER BY device_id, site_id, day_ms`,
      );
      stmt.setReturnArrays(true);
      reads.set(id, stmt);
    }
    return { stmt, args };
  }

  let reader: PartialsReader | undefined;
  const store: DayPartialsStore = {
    put(day, partials, meta) {
      transaction(db, () => {
        q.deleteDay.run(day.startMs);
        let rows = 0;
        for (const v of partials.rodent.values()) {
          q.insert.run(v.districtId, 'rodent_station', v.deviceId, v.siteId, day.startMs, v.reports, v.visits, v.caught, v.covered, 0, null, null, null, null);
          rows += 1;
        }
        for (const v of partials.sticky.values()) {
          q.insert.run(v.districtId, 'sticky_trap', v.deviceId, v.siteId, day.startMs, v.reports, 0, 0, 0, v.total, v.target ?? null, null, null, null);
          rows += 1;
        }
        for (const v of partials.mosquito.values()) {
          const n = v.nights[0];
          q.insert.run(v.districtId, 'mosquito_trap', v.deviceId, v.siteId, day.startMs, v.reports, 0, 0, 0, 0, null, n?.night ?? null, n ? (n.coveredNight ? 1 : 0) : null, n?.females ?? null);
          rows += 1;
        }
        q.putDay.run(day.startMs, day.endMs, meta.config, meta.fetchedAtMs, rows);
      });
    },
    storedDays(fromMs, toMs, config) {
      return (q.days.all(config, fromMs, toMs) as Row[]).map((r) => ({ startMs: num(r.day_ms), fetchedAtMs: num(r.fetched_at_ms) }));
    },
    read(fromMs, toMs, config, where = {}) {
      const out = emptyPartials();
      const range = [fromMs, toMs, config, fromMs, toMs] as const;
      // Rows as arrays (no object per row): the columns are in the SELECT's order.
      const sums = statement('sums', where);
      for (const r of sums.stmt.all(...sums.args, ...range) as unknown as unknown[][]) {
        const [kind, deviceId, siteId, districtId, reports, visits, caught, covered, total, target] = r;
        const t = { deviceId: str(deviceId), siteId: str(siteId), districtId: str(districtId) };
        if (kind === 'rodent_station') out.rodent.set(key(t.deviceId, t.siteId), { ...t, reports: num(reports), visits: num(visits), caught: num(caught), covered: num(covered) });
        else out.sticky.set(key(t.deviceId, t.siteId), { ...t, reports: num(reports), total: num(total), target: typeof target === 'string' ? target : undefined });
      }
      const nights = statement('nights', where);
      for (const r of nights.stmt.all(...nights.args, ...range) as unknown as unknown[][]) {
        const [deviceId, siteId, districtId, reports, night, nightCovered, nightFemales] = r;
        const k = key(str(deviceId), str(siteId));
        let a = out.mosquito.get(k);
        if (a === undefined) {
          a = { deviceId: str(deviceId), siteId: str(siteId), districtId: str(districtId), reports: 0, buckets: [], nights: [] };
          out.mosquito.set(k, a);
        }
        a.reports += num(reports);
        if (typeof night === 'string') a.nights.push({ night, coveredNight: num(nightCovered) === 1, females: num(nightFemales) } satisfies LampNight);
      }
      return out;
    },
    readAsync(fromMs, toMs, config, where) {
      reader ??= createPartialsReader(db, store);
      return reader.read(fromMs, toMs, config, where);
    },
    async close() {
      await reader?.close();
      reader = undefined;
    },
  };
  return store;
}
