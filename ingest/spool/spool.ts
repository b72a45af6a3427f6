/**
 * The ingest spool: an append-only log on local disk between accepting a reading and writing it to InfluxDB
 * (issue 6, docs/durability.md). A reading is acknowledged to MQTT only once `append` has resolved, i.e. once the
 * group of records it was written with has been `fdatasync`'d; InfluxDB is fed from the log in order, and the
 * cursor advances (atomically, fsync'd) only after InfluxDB has the records before it.
 *
 * - Group commit: one write and one fdatasync per group. While a group is being written, new appends gather for
 *   the next one, so the group size follows the load and the disk's latency with no timer in between. Segments are
 *   opened with O_DSYNC where the platform has it, so the write returns once its data is durable (POSIX synchronized
 *   I/O data integrity, what `fdatasync` gives): one trip through libuv's thread pool and back through the event loop
 *   per group instead of two. At 16,000 readings/s the loop is busy, each trip waits for it, and a group's commit took
 *   ~370 ms, long enough for every reading waiting on it to outlive young-generation GCs (issue 7).
 * - Bound: at most `maxBytes` of unconsumed records (committed or waiting to be). An append that does not fit
 *   waits, in order, until the feeder frees space: the caller simply does not acknowledge yet (`stats().full`).
 * - Recovery (`openSpool`): records from the cursor on are checked (length + CRC-32, record-codec.ts); the first
 *   bad frame ends the log and the file is truncated there (a torn tail after a crash). Fully consumed segments
 *   are deleted.
 * - A failed write or fdatasync leaves the log in an unknown state (the kernel may have dropped the dirty pages:
 *   PostgreSQL's "fsyncgate", 2018), so it is never retried: the spool refuses every further append and must be
 *   reopened, which re-validates the files.
 * - Memory tail: the records of the latest committed groups stay in memory (`memoryTailBytes`), so a reader that
 *   keeps up gets them without reading back, re-checking and re-decoding what this process wrote a few ms earlier (at
 *   2,000 readings/s the feeder's `fh.read` alone was ~4.4 % of the process). Only committed records are kept, added
 *   where the file's committed size grows. They are served only when the read position is exactly at the
 *   first of them; otherwise (after a reopen, a reader lagging past the bound) the file is read as before, and the
 *   positions are the same either way.
 *
 * Single writer (the lock file, spool-files.ts) and a single reader (`read`/`release`, the feeder).
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import type { Logger } from '../../platform/logger.ts';
import { createMemoryTail } from './memory-tail.ts';
import { decodeRecords, encodeRecord } from './record-codec.ts';
import {
  comparePositions, listSegments, lockSpool, readCursor, removeSegment, segmentPath, syncDir, writeCursor,
  type SpoolPosition,
} from './spool-files.ts';

/** O_DSYNC where the platform defines it (Linux, macOS); elsewhere each group is followed by an fdatasync. */
const DSYNC: number | undefined = constants.O_DSYNC;
const WRITES_ARE_SYNCED = DSYNC !== undefined;
const NEW_SEGMENT_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (DSYNC ?? 0);
const EXISTING_SEGMENT_FLAGS = constants.O_RDWR | (DSYNC ?? 0);

export type { SpoolPosition } from './spool-files.ts';

export interface SpoolOptions {
  dir: string;
  /** Bound on unconsumed record bytes (frames included). */
  maxBytes: number;
  /** A segment file is closed and a new one started past this size; default min(16 MiB, maxBytes / 4). */
  segmentBytes?: number;
  logger: Logger;
  /**
   * The cursor is made durable at most this often (default 100 ms): each write is an fsync'd rename, and every fsync
   * competes with the group commits devices wait for. A crash replays at most this much more, idempotently.
   */
  cursorIntervalMs?: number;
  /** Called after each group commit with the write + fdatasync duration and the group's size. */
  onCommit?: (seconds: number, records: number) => void;
  /**
   * Frame bytes of the latest committed records kept in memory for the reader; default min(8 MiB, maxBytes / 4),
   * 0 disables. Past it the oldest are dropped (the reader then reads them from the file). Values given to `append`
   * are kept alongside and are not counted.
   */
  memoryTailBytes?: number;
}

export interface SpoolRecord {
  payload: Buffer;
  /** Position just past this record: `release(end)` marks it consumed. */
  end: SpoolPosition;
  /**
   * The value given to `append` with this record, when it was served from the memory tail; undefined when it was
   * read from the file (after a reopen, or when the reader lagged). Opaque to the spool: the appender and the reader
   * agree on what it is, and it must describe the payload exactly, since a reader gets one or the other.
   */
  value?: unknown;
}

export interface SpoolStats {
  /** Unconsumed bytes: committed and not yet released, plus appends waiting for their fdatasync. */
  bytes: number;
  /** Unconsumed records, same meaning. */
  records: number;
  maxBytes: number;
  /** Appends are being held back because the bound is reached. */
  full: boolean;
  /** Appends held back. */
  waiting: number;
  segments: number;
  /** The last write or fdatasync failed; nothing more is accepted until the spool is reopened. */
  failed: boolean;
}

export interface Spool {
  /**
   * Resolves once the record is on disk (fdatasync'd). Waits while the spool is full. Rejects when it failed or closed.
   * `value` (optional, opaque) comes back as `SpoolRecord.value` if the record is read from the memory tail.
   */
  append(payload: Buffer, value?: unknown): Promise<void>;
  /** The next committed records (at most `max`), waiting until there is one; `[]` once closed. Single reader. */
  read(max: number): Promise<SpoolRecord[]>;
  /** Everything up to `pos` is in InfluxDB: advance and persist the cursor, delete consumed segments, free space. */
  release(pos: SpoolPosition): Promise<void>;
  stats(): SpoolStats;
  /** Refuses new appends, waits for the group being written, persists the cursor, releases the lock. */
  close(): Promise<void>;
}

export class SpoolClosedError extends Error {
  override name = 'SpoolClosedError';
}

const MAX_SEGMENT_BYTES = 16 * 1024 * 1024;
const READ_CHUNK_BYTES = 256 * 1024;
const MAX_MEMORY_TAIL_BYTES = 8 * 1024 * 1024;

interface Pending {
  frame: Buffer;
  value: unknown;
  resolve(): void;
  reject(err: Error): void;
}

export async function openSpool(opts: SpoolOptions): Promise<Spool> {
  const { dir, maxBytes, logger } = opts;
  if (!(Number.isSafeInteger(maxBytes) && maxBytes >= 1024)) throw new RangeError(`spool maxBytes must be ≥ 1024, got ${maxBytes}`);
  const segmentBytes = Math.max(256, Math.min(opts.segmentBytes ?? MAX_SEGMENT_BYTES, Math.floor(maxBytes / 4)));
  const memoryTailBytes = opts.memoryTailBytes ?? Math.min(MAX_MEMORY_TAIL_BYTES, Math.floor(maxBytes / 4));
  if (!(Number.isSafeInteger(memoryTailBytes) && memoryTailBytes >= 0)) {
    throw new RangeError(`spool memoryTailBytes must be ≥ 0, got ${memoryTailBytes}`);
  }
  const log = logger.child({ stage: 'spool' });
  await mkdir(dir, { recursive: true });
  const unlock = await lockSpool(dir);

  /** Committed size of every live segment, in segment order (Map keeps insertion order). */
  const sizes = new Map<number, number>();
  let cursor: SpoolPosition;
  let unconsumedBytes = 0;
  let unconsumedRecords = 0;
  let active: { segment: number; fh: FileHandle };
  try {
    ({ cursor, unconsumedBytes, unconsumedRecords } = await recover(dir, sizes, log));
    const last = [...sizes.keys()].at(-1);
    if (last === undefined) {
      active = { segment: cursor.segment, fh: await open(segmentPath(dir, cursor.segment), NEW_SEGMENT_FLAGS) };
      sizes.set(cursor.segment, 0);
      await syncDir(dir);
    } else {
      active = { segment: last, fh: await open(segmentPath(dir, last), EXISTING_SEGMENT_FLAGS) };
    }
  } catch (err) {
    await unlock();
    throw err;
  }

  let queued: Pending[] = [];
  let queuedBytes = 0;
  let blocked: Pending[] = [];
  let writing: Promise<void> | undefined;
  let failure: Error | undefined;
  let closed = false;

  /** Bytes and records of the group being written (between `writev` and the end of its fdatasync). */
  let writingBytes = 0;
  let writingRecords = 0;

  function fits(frame: Buffer): boolean {
    const used = unconsumedBytes + queuedBytes + writingBytes;
    return used === 0 || used + frame.length <= maxBytes;
  }

  function admitBlocked(): void {
    while (blocked.length > 0 && fits(blocked[0]!.frame)) {
      const p = blocked.shift()!;
      queue(p);
    }
  }

  function queue(p: Pending): void {
    queued.push(p);
    queuedBytes += p.frame.length;
    kickWriter();
  }

  /** One writer at a time; its loop takes whatever was queued while a group was on its way to disk. */
  function kickWriter(): void {
    if (writing !== undefined || queued.length === 0 || failure !== undefined) return;
    writing = writeGroups().finally(() => {
      writing = undefined;
      kickWriter();
    });
  }

  async function writeGroups(): Promise<void> {
    while (queued.length > 0 && failure === undefined) {
      const group = queued;
      const bytes = queuedBytes;
      queued = [];
      queuedBytes = 0;
      writingBytes = bytes;
      writingRecords = group.length;
      const started = performance.now();
      try {
        if (sizes.get(active.segment)! >= segmentBytes) await roll();
        const { segment } = active;
        const at = sizes.get(segment)!;
        const { bytesWritten } = await active.fh.writev(group.map((p) => p.frame), at);
        if (bytesWritten !== bytes) throw new Error(`short write to the spool: ${bytesWritten} of ${bytes} bytes`);
        if (!WRITES_ARE_SYNCED) await active.fh.datasync();
        sizes.set(segment, at + bytes);
        tail.keep(group, segment, at);
        unconsumedBytes += bytes;
        unconsumedRecords += group.length;
        writingBytes = 0;
        writingRecords = 0;
        opts.onCommit?.((performance.now() - started) / 1000, group.length);
        for (const p of group) p.resolve();
        wakeReader();
      } catch (err) {
        writingBytes = 0;
        writingRecords = 0;
        failure = err as Error;
        log.error({ err, records: group.length }, 'spool write failed; refusing further readings until ingest restarts');
        for (const p of [...group, ...queued.splice(0), ...blocked.splice(0)]) p.reject(failure);
        queuedBytes = 0;
      }
    }
  }

  async function roll(): Promise<void> {
    const next = active.segment + 1;
    const fh = await open(segmentPath(dir, next), NEW_SEGMENT_FLAGS);
    await syncDir(dir);
    await active.fh.close();
    active = { segment: next, fh };
    sizes.set(next, 0);
  }

  // ---- reading (the feeder) ----
  let readPos: SpoolPosition = { ...cursor };
  let reader: { segment: number; fh: FileHandle } | undefined;
  let readerWake: (() => void) | undefined;
  /** Ends of records read but not yet released, oldest first: release() counts them off. */
  const readEnds: SpoolPosition[] = [];
  /** Index of the oldest unreleased entry of `readEnds`: Array#shift on ~20,000 entries is a memmove each (issue 7 profile). */
  let readHead = 0;

  const tail = createMemoryTail(memoryTailBytes);

  /** Records of the memory tail from `readPos` on, booked like a file read; undefined when it does not start there. */
  function readKept(max: number): SpoolRecord[] | undefined {
    const records = tail.take(readPos, max);
    if (records === undefined) return undefined;
    for (const r of records) readEnds.push(r.end);
    readPos = { ...records.at(-1)!.end };
    return records;
  }

  function wakeReader(): void {
    const w = readerWake;
    readerWake = undefined;
    w?.();
  }

  async function readAvailable(max: number): Promise<SpoolRecord[]> {
    for (;;) {
      const size = sizes.get(readPos.segment);
      if (size === undefined) {
        const next = [...sizes.keys()].find((s) => s > readPos.segment);
        if (next === undefined) return [];
        readPos = { segment: next, offset: 0 };
        continue;
      }
      if (readPos.offset < size) break;
      if (readPos.segment === active.segment) return [];
      readPos = { segment: readPos.segment + 1, offset: 0 };
    }
    if (reader !== undefined && reader.segment !== readPos.segment) {
      // Also when served from memory: a handle left on a consumed segment would keep its disk space after removal.
      const left = reader;
      reader = undefined;
      await left.fh.close();
    }
    const kept = readKept(max);
    if (kept !== undefined) return kept;
    reader ??= { segment: readPos.segment, fh: await open(segmentPath(dir, readPos.segment), 'r') };
    const available = sizes.get(readPos.segment)! - readPos.offset;
    let want = Math.min(available, READ_CHUNK_BYTES);
    for (;;) {
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await reader.fh.read(buf, 0, want, readPos.offset);
      const decoded = decodeRecords(buf.subarray(0, bytesRead), max);
      if (decoded.records.length === 0) {
        if (decoded.stop === 'partial' && decoded.needBytes !== undefined && decoded.needBytes <= available && want < decoded.needBytes) {
          want = decoded.needBytes;
          continue;
        }
        throw new Error(`spool segment ${readPos.segment} is unreadable at offset ${readPos.offset} (${decoded.stop})`);
      }
      const { segment, offset } = readPos;
      const records = decoded.records.map((r) => ({ payload: r.payload, end: { segment, offset: offset + r.end } }));
      for (const r of records) readEnds.push(r.end);
      readPos = { segment, offset: offset + decoded.consumed };
      return records;
    }
  }

  // ---- the cursor ----
  let durableCursor: SpoolPosition = { ...cursor };
  let cursorWrite: Promise<void> | undefined;
  let lastCursorWrite = -Infinity;
  const cursorIntervalMs = opts.cursorIntervalMs ?? 100;

  /** Resolves once a cursor at or past the current one is durable (concurrent callers share the writes). */
  async function persistCursor(): Promise<void> {
    const target = cursor;
    while (comparePositions(durableCursor, target) < 0) {
      cursorWrite ??= writeCursorOnce().finally(() => (cursorWrite = undefined));
      await cursorWrite;
    }
  }

  async function writeCursorOnce(): Promise<void> {
    const wait = lastCursorWrite + cursorIntervalMs - performance.now();
    if (wait > 0 && !closed) await new Promise((r) => setTimeout(r, wait));
    lastCursorWrite = performance.now();
    const target = { ...cursor };
    await writeCursor(dir, target);
    // Delete only after the cursor that no longer needs them is durable.
    for (let s = durableCursor.segment; s < target.segment; s++) await removeSegment(dir, s);
    durableCursor = target;
  }

  function bytesBetween(from: SpoolPosition, to: SpoolPosition): number {
    if (from.segment === to.segment) return to.offset - from.offset;
    let total = (sizes.get(from.segment) ?? from.offset) - from.offset;
    for (const [s, size] of sizes) if (s > from.segment && s < to.segment) total += size;
    return total + to.offset;
  }

  return {
    append(payload, value) {
      if (failure) return Promise.reject(failure);
      if (closed) return Promise.reject(new SpoolClosedError('spool is closed'));
      const frame = encodeRecord(payload);
      return new Promise<void>((resolve, reject) => {
        const p = { frame, value, resolve, reject };
        if (blocked.length === 0 && fits(frame)) queue(p);
        else blocked.push(p);
      });
    },

    async read(max) {
      for (;;) {
        if (closed) return [];
        const records = await readAvailable(Math.max(1, max));
        if (records.length > 0) return records;
        await new Promise<void>((resolve) => (readerWake = resolve));
      }
    },

    release(pos) {
      if (comparePositions(pos, cursor) <= 0) return persistCursor();
      if (comparePositions(pos, readPos) > 0) throw new RangeError('spool release beyond what was read');
      unconsumedBytes -= bytesBetween(cursor, pos);
      while (readHead < readEnds.length && comparePositions(readEnds[readHead]!, pos) <= 0) {
        readHead++;
        unconsumedRecords--;
      }
      if (readHead === readEnds.length || readHead > 4096) {
        readEnds.splice(0, readHead);
        readHead = 0;
      }
      for (const s of [...sizes.keys()]) if (s < pos.segment) sizes.delete(s);
      cursor = { ...pos };
      admitBlocked();
      return persistCursor();
    },

    stats: () => ({
      bytes: unconsumedBytes + queuedBytes + writingBytes,
      records: unconsumedRecords + queued.length + writingRecords,
      maxBytes,
      full: blocked.length > 0,
      waiting: blocked.length,
      segments: sizes.size,
      failed: failure !== undefined,
    }),

    async close() {
      if (closed) return;
      closed = true;
      // Held-back appends were never acknowledged: the sender keeps them and sends them again.
      for (const p of blocked.splice(0)) p.reject(new SpoolClosedError('spool closed before there was room'));
      await writing;
      tail.clear();
      wakeReader();
      await persistCursor().catch((err: unknown) => log.error({ err }, 'could not persist the spool cursor'));
      await reader?.fh.close();
      await active.fh.close();
      await unlock();
    },
  };
}

/** Validates the segments from the cursor on, truncating at the first bad frame; fills `sizes`. */
async function recover(
  dir: string,
  sizes: Map<number, number>,
  log: Logger,
): Promise<{ cursor: SpoolPosition; unconsumedBytes: number; unconsumedRecords: number }> {
  const stored = await readCursor(dir);
  const segments = await listSegments(dir);
  let cursor: SpoolPosition = stored ?? { segment: segments[0] ?? 1, offset: 0 };
  // Segments before the cursor were consumed; a crash may have come between the cursor write and their removal.
  for (const s of segments.filter((s) => s < cursor.segment)) await removeSegment(dir, s);
  const live = segments.filter((s) => s >= cursor.segment);
  if (live.length > 0 && live[0] !== cursor.segment) cursor = { segment: live[0]!, offset: 0 };
  let unconsumedBytes = 0;
  let unconsumedRecords = 0;
  for (const [i, segment] of live.entries()) {
    const path = segmentPath(dir, segment);
    const data = await readFile(path);
    let from = segment === cursor.segment ? cursor.offset : 0;
    if (from > data.length) {
      log.error({ segment, cursor: from, size: data.length }, 'spool cursor lies beyond its segment; resuming at its end');
      from = data.length;
      cursor = { segment, offset: from };
    }
    const decoded = decodeRecords(data.subarray(from));
    const valid = from + decoded.consumed;
    if (decoded.stop !== null) {
      const lost = data.length - valid;
      const fields = { segment, offset: valid, bytes: lost, reason: decoded.stop };
      if (i === live.length - 1) log.warn(fields, 'spool: truncating a torn tail left by a crash (never acknowledged)');
      else log.error(fields, 'spool: a sealed segment is damaged; truncating it (readings after the damage are lost)');
      const fh = await open(path, 'r+');
      await fh.truncate(valid);
      await fh.datasync();
      await fh.close();
    }
    sizes.set(segment, valid);
    unconsumedBytes += decoded.consumed;
    unconsumedRecords += decoded.records.length;
  }
  if (unconsumedRecords > 0) log.info({ records: unconsumedRecords, bytes: unconsumedBytes }, 'spool: resuming with readings not yet in InfluxDB');
  return { cursor, unconsumedBytes, unconsumedRecords };
}
