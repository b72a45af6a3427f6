/**
 * The files of a spool directory: numbered segment files, the consumer's cursor, and a lock so that two processes
 * never append to the same log.
 *
 * ```
 * DATA_DIR/spool/
 *   LOCK                    pid of the process that owns the spool
 *   cursor                  {"segment":12,"offset":40960}: everything before it is in InfluxDB
 *   000000000012.seg        records (record-codec.ts), appended and fdatasync'd in groups
 *   000000000013.seg        …
 * ```
 * The cursor is replaced atomically (write a temporary file, fsync it, rename, fsync the directory): after a crash
 * it is either the old or the new one, never a torn mix.
 */
import { open, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SpoolPosition {
  segment: number;
  offset: number;
}

const SEGMENT_RE = /^(\d{12})\.seg$/;

export const segmentPath = (dir: string, segment: number): string => join(dir, `${String(segment).padStart(12, '0')}.seg`);

/** Segment numbers present in `dir`, ascending. */
export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  return names
    .map((n) => SEGMENT_RE.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Makes a file's creation, rename or removal in `dir` durable (POSIX: fsync the directory). */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function comparePositions(a: SpoolPosition, b: SpoolPosition): number {
  return a.segment - b.segment || a.offset - b.offset;
}

export async function readCursor(dir: string): Promise<SpoolPosition | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'cursor'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<SpoolPosition>;
  if (!Number.isSafeInteger(parsed.segment) || !Number.isSafeInteger(parsed.offset)) {
    throw new Error(`spool cursor in ${dir} is unreadable: ${text.slice(0, 100)}`);
  }
  return { segment: parsed.segment as number, offset: parsed.offset as number };
}

export async function writeCursor(dir: string, pos: SpoolPosition): Promise<void> {
  const tmp = join(dir, 'cursor.tmp');
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(pos));
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, 'cursor'));
  await syncDir(dir);
}

export async function removeSegment(dir: string, segment: number): Promise<void> {
  await unlink(segmentPath(dir, segment)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

export class SpoolLockedError extends Error {
  override name = 'SpoolLockedError';
}

const heldInThisProcess = new Set<string>();

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes the spool's lock file (created exclusively), or throws SpoolLockedError naming the process that holds it.
 * A lock left by a process that no longer runs (a crash, SIGKILL) is taken over. Returns the release function.
 */
export async function lockSpool(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'LOCK');
  if (heldInThisProcess.has(path)) throw new SpoolLockedError(`spool ${dir} is already open in this process`);
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
      throw new SpoolLockedError(`spool ${dir} is in use by process ${holder}; each ingest worker needs its own DATA_DIR`);
    }
    await unlink(path).catch(() => undefined); // stale: its process is gone
  }
  heldInThisProcess.add(path);
  return async () => {
    heldInThisProcess.delete(path);
    await unlink(path).catch(() => undefined);
  };
}
