import { describe, expect, it } from 'vitest';
import { InfluxWriteError } from '../platform/influx-http.ts';
import { silentLogger } from '../platform/logger.ts';
import type { InfluxSink } from './influx-sink.ts';
import { SinkAbandonedError } from './influx-sink.ts';
import { createSpoolFeeder, type StoredReading } from './spool-feeder.ts';
import type { Spool, SpoolPosition, SpoolRecord } from './spool/spool.ts';
import { encodeSpooledReading, type SpooledReading } from './spooled-reading.ts';

const reading = (seq: number): SpooledReading => ({
  deviceId: 'rs-001', kind: 'rodent_station', seq, tsMs: 1_748_736_000_000 + seq, line: `rodent_station,device=rs-001 visits=${seq}i ${seq}`,
});

/** A spool that hands out `records` once, then nothing until closed; records every release. */
function fakeSpool(records: SpoolRecord[]) {
  const released: SpoolPosition[] = [];
  let handedOut = false;
  let closeReader: (() => void) | undefined;
  const spool: Spool = {
    append: () => Promise.reject(new Error('not used')),
    async read() {
      if (!handedOut) {
        handedOut = true;
        return records;
      }
      await new Promise<void>((resolve) => (closeReader = resolve));
      return [];
    },
    release(pos) {
      released.push(pos);
      return Promise.resolve();
    },
    stats: () => ({ bytes: 0, records: 0, maxBytes: 1 << 20, full: false, waiting: 0, segments: 1, failed: false }),
    close: () => Promise.resolve(closeReader?.()),
  };
  return { spool, released };
}

/** A sink whose writes settle only when the test says so, line by line. */
function manualSink() {
  const writes = new Map<string, { resolve(): void; reject(err: Error): void }>();
  const sink: InfluxSink = {
    write: (line) => new Promise<void>((resolve, reject) => void writes.set(line, { resolve, reject })),
    writeLine: (line, to) => void writes.set(line, { resolve: () => to.settled(), reject: (err) => to.settled(err, line) }),
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
    pending: () => writes.size,
    abandon() {
      for (const w of writes.values()) w.reject(new SinkAbandonedError('abandoned'));
    },
  };
  return { sink, settle: (r: SpooledReading) => writes.get(r.line)!.resolve(), refuse: (r: SpooledReading, err: Error) => writes.get(r.line)!.reject(err) };
}

const tick = () => new Promise((r) => setImmediate(r));

/** `values`: the records come with the appended SpooledReading, as when the spool serves them from memory. */
function setup(count: number, { values = false } = {}) {
  const readings = Array.from({ length: count }, (_, i) => reading(i + 1));
  const records = readings.map((r, i) => ({
    payload: encodeSpooledReading(r), end: { segment: 1, offset: (i + 1) * 100 }, ...(values ? { value: r } : {}),
  }));
  const { spool, released } = fakeSpool(records);
  const { sink, settle, refuse } = manualSink();
  const outcomes: string[] = [];
  const stored: StoredReading[] = [];
  const refusedLines: string[] = [];
  const feeder = createSpoolFeeder({
    spool, sink, logger: silentLogger,
    onStored: (r) => {
      stored.push({ deviceId: r.deviceId, kind: r.kind, seq: r.seq, tsMs: r.tsMs });
      outcomes.push(`stored ${r.seq}`);
    },
    onRefused: (r) => {
      refusedLines.push(r.line);
      outcomes.push(`refused ${r.seq}`);
    },
  });
  const running = feeder.run();
  const stop = async () => {
    feeder.stop();
    await spool.close();
    await running;
  };
  return { readings, released, outcomes, stored, refusedLines, settle, refuse, stop };
}

describe('spool feeder: the cursor moves only past a contiguous settled prefix', () => {
  it('a later batch finishing first releases nothing until the earlier one has settled', async () => {
    const { readings: [r1, r2, r3, r4], released, outcomes, settle, stop } = setup(4);
    await tick();
    settle(r3!);
    settle(r4!);
    await tick();
    await tick();
    expect(released).toEqual([]);
    expect(outcomes).toEqual([]); // not reported either: the counts follow the cursor

    settle(r1!);
    await tick();
    await tick();
    expect(released).toEqual([{ segment: 1, offset: 100 }]);
    expect(outcomes).toEqual(['stored 1']);

    settle(r2!);
    await tick();
    await tick();
    expect(released.at(-1)).toEqual({ segment: 1, offset: 400 });
    expect(outcomes).toEqual(['stored 1', 'stored 2', 'stored 3', 'stored 4']);
    await stop();
  });

  it('reports refusals in spool order too, and counts them as settled', async () => {
    const { readings: [r1, r2, r3], released, outcomes, refusedLines, settle, refuse, stop } = setup(3);
    await tick();
    settle(r3!);
    refuse(r2!, new InfluxWriteError('rejected', 'field type conflict', 400));
    await tick();
    await tick();
    expect(released).toEqual([]);
    settle(r1!);
    await tick();
    await tick();
    expect(outcomes).toEqual(['stored 1', 'refused 2', 'stored 3']);
    expect(refusedLines).toEqual([r2!.line]); // the refused line itself, for the dead letter
    expect(released.at(-1)).toEqual({ segment: 1, offset: 300 });
    await stop();
  });

  it('an abandoned write leaves the cursor before it, whatever settled after it', async () => {
    const { readings: [r1, , r3], released, outcomes, settle, stop } = setup(3);
    await tick();
    settle(r1!);
    settle(r3!);
    await tick();
    await tick();
    expect(released.at(-1)).toEqual({ segment: 1, offset: 100 });
    await stop(); // abandons r2
    await tick();
    expect(released.at(-1)).toEqual({ segment: 1, offset: 100 });
    expect(outcomes).toEqual(['stored 1']);
  });
});

describe('spool feeder: readings from memory or from the file', () => {
  it('takes the value a record was appended with, and decodes the payload to the same reading when there is none', async () => {
    const results: StoredReading[][] = [];
    for (const values of [true, false]) {
      const { readings, released, stored, settle, stop } = setup(3, { values });
      await tick();
      for (const r of readings) settle(r);
      await tick();
      await tick();
      expect(released.at(-1)).toEqual({ segment: 1, offset: 300 });
      expect(stored).toEqual(readings.map(({ line: _, ...facts }) => facts));
      results.push(stored);
      await stop();
    }
    expect(results[0]).toEqual(results[1]);
  });
});
