/**
 * "Zero lost, zero duplicated, counted per device in InfluxDB": for every device, the readings it was acknowledged
 * for in a run against the points stored with a seq in the run's range, `count(seq)` and `count(distinct(seq))`.
 * A redelivered reading with the same point identity overwrites itself (docs/ingest.md); a duplicate is the same seq
 * stored twice under different timestamps, which `count − distinct` shows.
 */
import { DEVICE_KINDS } from '../contracts/telemetry.ts';
import type { InfluxHttp } from '../platform/influx-http.ts';
import type { DeviceTally } from './load/generator.ts';

export interface StoredCount {
  points: number;
  distinct: number;
}

export interface DeliveryCheck {
  devices: number;
  acked: number;
  stored: number;
  lost: number;
  duplicated: number;
  /** Stored but never acknowledged to the device (sent before a connection dropped, say): not a loss. */
  unacked: number;
  /** Devices with at least one lost reading. */
  devicesWithLoss: number;
}

/** Pure: the per-device comparison. */
export function checkDelivery(tallies: readonly DeviceTally[], stored: ReadonlyMap<string, StoredCount>): DeliveryCheck {
  const out: DeliveryCheck = { devices: tallies.length, acked: 0, stored: 0, lost: 0, duplicated: 0, unacked: 0, devicesWithLoss: 0 };
  for (const t of tallies) {
    const s = stored.get(t.id) ?? { points: 0, distinct: 0 };
    out.acked += t.acked;
    out.stored += s.distinct;
    out.duplicated += s.points - s.distinct;
    const lost = Math.max(0, t.acked - s.distinct);
    out.lost += lost;
    out.unacked += Math.max(0, s.distinct - t.acked);
    if (lost > 0) out.devicesWithLoss++;
  }
  return out;
}

/** Per device: points and distinct seqs with `seq` in [minSeq, maxSeq] between the two instants. */
export async function storedCounts(influx: InfluxHttp, fromMs: number, toMs: number, minSeq: number, maxSeq: number): Promise<Map<string, StoredCount>> {
  const out = new Map<string, StoredCount>();
  const where = `time >= ${Math.floor(fromMs)}ms AND time <= ${Math.ceil(toMs)}ms AND "seq" >= ${minSeq} AND "seq" <= ${maxSeq}`;
  for (const kind of DEVICE_KINDS) {
    const series = await influx.query(`SELECT count("seq") AS n, count(distinct("seq")) AS d FROM "${kind}" WHERE ${where} GROUP BY "device"`, { timeoutMs: 120_000 });
    for (const s of series) {
      const device = s.tags?.['device'];
      const row = s.values[0];
      if (!device || !row) continue;
      out.set(device, { points: Number(row[1] ?? 0), distinct: Number(row[2] ?? 0) });
    }
  }
  return out;
}

/** Total points in the window (cheap), for waiting until a stack has written everything it is going to. */
export async function storedTotal(influx: InfluxHttp, fromMs: number, toMs: number, minSeq: number): Promise<number> {
  let n = 0;
  for (const kind of DEVICE_KINDS) {
    const [s] = await influx.query(`SELECT count("seq") FROM "${kind}" WHERE time >= ${Math.floor(fromMs)}ms AND time <= ${Math.ceil(toMs)}ms AND "seq" >= ${minSeq}`, { timeoutMs: 120_000 }).catch(() => []);
    n += Number(s?.values[0]?.[1] ?? 0);
  }
  return n;
}

/**
 * Waits until `expected` points are stored, or the total stops growing for `quietMs` (a stack that lost readings will
 * never reach it), or `timeoutMs` passes. Returns the last total and when it was first reached (epoch ms).
 */
export async function waitForStored(
  influx: InfluxHttp, fromMs: number, toMs: number, minSeq: number, expected: number, opts: { quietMs?: number; timeoutMs?: number } = {},
): Promise<{ total: number; atMs: number }> {
  const quietMs = opts.quietMs ?? 10_000;
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const total = await storedTotal(influx, fromMs, toMs, minSeq);
    if (total !== last) {
      last = total;
      lastChange = Date.now();
    }
    if (total >= expected || Date.now() - lastChange > quietMs || Date.now() > deadline) return { total, atMs: lastChange };
    await new Promise((r) => setTimeout(r, 500));
  }
}
