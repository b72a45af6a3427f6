import { appendFileSync, existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../platform/logger.ts';
import { decodeRecords, encodeRecord } from './record-codec.ts';
import { comparePositions, SpoolLockedError } from './spool-files.ts';
import { openSpool, SpoolClosedError, type Spool, type SpoolOptions, type SpoolRecord } from './spool.ts';

const dirs: string[] = [];
const open: Spool[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vw-spool-'));
  dirs.push(d);
  return d;
}

async function spool(dir: string, over: Partial<SpoolOptions> = {}): Promise<Spool> {
  const s = await openSpool({ dir, maxBytes: 1 << 20, logger: silentLogger, ...over });
  open.push(s);
  return s;
}

async function closeSpool(s: Spool): Promise<void> {
  open.splice(open.indexOf(s), 1);
  await s.close();
}

const text = (records: { payload: Buffer }[]) => records.map((r) => r.payload.toString());

describe('record codec', () => {
  it('round-trips frames and stops at a torn or corrupted one', () => {
    const frames = Buffer.concat(['a', 'bb', 'ccc'].map((t) => encodeRecord(Buffer.from(t))));
    expect(decodeRecords(frames).records.map((r) => r.payload.toString())).toEqual(['a', 'bb', 'ccc']);
    const torn = decodeRecords(frames.subarray(0, frames.length - 1));
    expect([torn.records.length, torn.stop]).toEqual([2, 'partial']);
    const flipped = Buffer.from(frames);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 1) ^ 0xff, flipped.length - 1);
    expect([decodeRecords(flipped).records.length, decodeRecords(flipped).stop]).toEqual([2, 'corrupt']);
    expect(decodeRecords(Buffer.alloc(64)).stop).toBe('corrupt'); // zeros are not empty records
  });
});

describe('openSpool', () => {
  it('reads appended records in order, and after a reopen resumes at the released cursor', async () => {
    const dir = tempDir();
    const s = await spool(dir);
    await Promise.all(['r1', 'r2', 'r3', 'r4'].map((t) => s.append(Buffer.from(t))));
    const first = await s.read(2);
    expect(text(first)).toEqual(['r1', 'r2']);
    expect(s.stats()).toMatchObject({ records: 4, full: false });
    await s.release(first[1]!.end);
    expect(s.stats().records).toBe(2);
    expect(text(await s.read(10))).toEqual(['r3', 'r4']); // read, not released
    await closeSpool(s);

    const again = await spool(dir);
    expect(again.stats().records).toBe(2);
    expect(text(await again.read(10))).toEqual(['r3', 'r4']);
  });

  it('groups concurrent appends into fewer fdatasyncs', async () => {
    const groups: number[] = [];
    const s = await spool(tempDir(), { onCommit: (_s, n) => groups.push(n) });
    await Promise.all(Array.from({ length: 500 }, (_, i) => s.append(Buffer.from(`reading ${i}`))));
    expect(groups.reduce((a, b) => a + b, 0)).toBe(500);
    expect(groups.length).toBeLessThan(50);
  });

  it('truncates a torn tail on reopen and keeps every complete record', async () => {
    const dir = tempDir();
    const s = await spool(dir);
    for (const t of ['a', 'b', 'c']) await s.append(Buffer.from(t));
    await closeSpool(s);
    const [segment] = readdirSync(dir).filter((n) => n.endsWith('.seg'));
    const path = join(dir, segment!);
    const goodSize = statSync(path).size;
    appendFileSync(path, encodeRecord(Buffer.from('half written')).subarray(0, 9)); // a crash mid-write

    const again = await spool(dir);
    expect(statSync(path).size).toBe(goodSize);
    await again.append(Buffer.from('d'));
    expect(text(await again.read(10))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('holds appends back while full, in order, until the reader releases space', async () => {
    const s = await spool(tempDir(), { maxBytes: 1024, segmentBytes: 256 });
    const payload = (i: number) => Buffer.from(`reading-${String(i).padStart(3, '0')}`.padEnd(92, '.')); // 100-byte frames
    const done: number[] = [];
    const appends = Array.from({ length: 15 }, (_, i) => s.append(payload(i)).then(() => done.push(i)));
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.stats()).toMatchObject({ full: true, waiting: 5, bytes: 1000 });

    const read: string[] = [];
    while (read.length < 15) {
      const batch = await s.read(3);
      read.push(...text(batch));
      await s.release(batch.at(-1)!.end);
    }
    await Promise.all(appends);
    expect(done).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(read.map((r) => r.slice(0, 11))).toEqual(Array.from({ length: 15 }, (_, i) => `reading-${String(i).padStart(3, '0')}`));
    expect(s.stats()).toMatchObject({ full: false, bytes: 0, records: 0 });
  });

  it('rolls segments and deletes the consumed ones once the cursor is durable', async () => {
    const dir = tempDir();
    const s = await spool(dir, { maxBytes: 64 * 1024, segmentBytes: 300 });
    for (let i = 0; i < 40; i++) await s.append(Buffer.alloc(92, i + 1));
    const segments = () => readdirSync(dir).filter((n) => n.endsWith('.seg')).length;
    expect(segments()).toBeGreaterThan(10);
    let last;
    for (let n = 0; n < 40; ) {
      const batch = await s.read(7);
      n += batch.length;
      last = batch.at(-1)!.end;
    }
    await s.release(last!);
    expect(segments()).toBe(1);
    expect(s.stats()).toMatchObject({ records: 0, bytes: 0 });
  });

  it('refuses a second owner, takes over a lock left by a dead process, and refuses appends once closed', async () => {
    const dir = tempDir();
    const s = await spool(dir);
    await expect(openSpool({ dir, maxBytes: 4096, logger: silentLogger })).rejects.toBeInstanceOf(SpoolLockedError);
    await closeSpool(s);
    await expect(s.append(Buffer.from('late'))).rejects.toBeInstanceOf(SpoolClosedError);
    writeFileSync(join(dir, 'LOCK'), '2147483646'); // no such process
    const again = await spool(dir);
    await again.append(Buffer.from('ok'));
    expect(text(await again.read(1))).toEqual(['ok']);
  });

  it('a read waits for the next commit', async () => {
    const s = await spool(tempDir());
    const pending = s.read(10);
    setTimeout(() => void s.append(Buffer.from('later')), 20);
    expect(text(await pending)).toEqual(['later']);
  });
});

describe('openSpool: the memory tail', () => {
  const frame100 = (i: number) => Buffer.from(`reading-${String(i).padStart(3, '0')}`.padEnd(92, '.')); // 100-byte frames

  /** Reads exactly `n` records, at most `max` per read; with `release`, releases after every other read. */
  async function readN(s: Spool, n: number, max: number, release = true): Promise<SpoolRecord[]> {
    const out: SpoolRecord[] = [];
    for (let reads = 0; out.length < n; reads++) {
      const batch = await s.read(Math.min(max, n - out.length));
      out.push(...batch);
      if (release && reads % 2 === 1) await s.release(batch.at(-1)!.end);
    }
    return out;
  }

  const view = (records: SpoolRecord[]) => records.map((r) => ({ payload: r.payload.toString(), end: r.end }));

  it('serves a reader that keeps up from memory, with the payloads and positions a reopened spool reads from the file, across segment rolls', async () => {
    const dir = tempDir();
    const s = await spool(dir, { maxBytes: 64 * 1024, segmentBytes: 256 });
    const live: SpoolRecord[] = [];
    for (let round = 0, i = 0; round < 12; round++) {
      const group = Array.from({ length: 1 + (round % 3) }, () => i++); // groups of 1–3 records: some straddle a roll
      await Promise.all(group.map((n) => s.append(frame100(n), { n })));
      // Every other round, so that memory holds two groups, at times on both sides of a roll. Nothing released: the
      // reopened spool reads it all again.
      if (round % 2 === 1) live.push(...(await readN(s, i - live.length, 4, false)));
    }
    expect(live.every((r, i) => (r.value as { n: number }).n === i)).toBe(true); // all of them from memory
    expect(new Set(live.map((r) => r.end.segment)).size).toBeGreaterThan(4);
    await closeSpool(s);

    const fromFile = await spool(dir, { maxBytes: 64 * 1024, segmentBytes: 256 });
    const read = await readN(fromFile, live.length, 5, false);
    expect(read.every((r) => r.value === undefined)).toBe(true);
    expect(view(live)).toEqual(view(read));
  });

  it('a reader lagging past the bound gets every record exactly once, in order, from the file and then from memory', async () => {
    const s = await spool(tempDir(), { maxBytes: 64 * 1024, segmentBytes: 512, memoryTailBytes: 250, cursorIntervalMs: 0 }); // two frames
    const got: SpoolRecord[] = [];
    let appended = 0;
    for (let round = 0; round < 6; round++) {
      const burst = Array.from({ length: 7 }, () => appended++);
      await Promise.all(burst.map((n) => s.append(frame100(n), { n })));
      got.push(...(await readN(s, round === 5 ? appended - got.length : 4, 3))); // falls further behind, then catches up
    }
    expect(text(got).map((t) => t.slice(0, 11))).toEqual(Array.from({ length: appended }, (_, i) => `reading-${String(i).padStart(3, '0')}`));
    for (const [i, r] of got.entries()) if (r.value !== undefined) expect(r.value).toEqual({ n: i });
    expect(got.filter((r) => r.value === undefined).length).toBeGreaterThan(0);
    expect(got.filter((r) => r.value !== undefined).length).toBeGreaterThan(0);
    for (let i = 1; i < got.length; i++) expect(comparePositions(got[i - 1]!.end, got[i]!.end)).toBeLessThan(0);
    await s.release(got.at(-1)!.end);
    expect(s.stats()).toMatchObject({ records: 0, bytes: 0 });
  });

  it('with memoryTailBytes 0 every record is read from the file', async () => {
    const s = await spool(tempDir(), { maxBytes: 64 * 1024, segmentBytes: 256, memoryTailBytes: 0 });
    const got: SpoolRecord[] = [];
    for (let i = 0; i < 10; i++) {
      await s.append(frame100(i), { n: i });
      got.push(...(await s.read(10)));
    }
    expect(text(got).map((t) => t.slice(0, 11))).toEqual(Array.from({ length: 10 }, (_, i) => `reading-${String(i).padStart(3, '0')}`));
    expect(got.every((r) => r.value === undefined)).toBe(true);
    await expect(openSpool({ dir: tempDir(), maxBytes: 4096, memoryTailBytes: -1, logger: silentLogger })).rejects.toBeInstanceOf(RangeError);
  });

  it('returns the appended value with a record served from memory, and none after a reopen', async () => {
    const dir = tempDir();
    const s = await spool(dir);
    const value = { deviceId: 'rs-001' };
    await s.append(Buffer.from('r1'), value);
    const [live] = await s.read(10);
    expect(live!.value).toBe(value);
    await closeSpool(s);

    const [again] = await (await spool(dir)).read(10);
    expect(again!.payload.toString()).toBe('r1');
    expect(again!.end).toEqual(live!.end);
    expect(again!.value).toBeUndefined();
  });
});

describe.runIf(existsSync('/proc/self/fd'))('openSpool: file handles', () => {
  /** Spool segment files this process still holds open although they were deleted (Linux: /proc/self/fd). */
  const deletedSegmentsHeld = (dir: string) =>
    readdirSync('/proc/self/fd').map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    }).filter((target) => target.startsWith(dir) && target.endsWith('.seg (deleted)'));

  it('a reader served from memory does not keep a consumed, deleted segment open', async () => {
    const dir = tempDir();
    const first = await spool(dir, { maxBytes: 64 * 1024, segmentBytes: 256 });
    for (let i = 0; i < 3; i++) await first.append(Buffer.alloc(92, i + 1));
    await closeSpool(first);
    const s = await spool(dir, { maxBytes: 64 * 1024, segmentBytes: 256, cursorIntervalMs: 0 });
    let last = (await s.read(10)).at(-1)!.end; // from the file: the reader opens that segment
    for (let i = 0; i < 12; i++) {
      await s.append(Buffer.alloc(92, i + 10));
      last = (await s.read(10)).at(-1)!.end; // from memory, through several rolls
    }
    await s.release(last);
    expect(readdirSync(dir).filter((n) => n.endsWith('.seg'))).toHaveLength(1);
    expect(deletedSegmentsHeld(dir)).toEqual([]);
  });
});
