/**
 * The spool's memory tail (spool.ts): the latest committed records, a contiguous stretch of the log, oldest first,
 * bounded in frame bytes. A reader at exactly the position of the oldest kept record takes records from here instead
 * of reading back, re-checking and re-decoding what this process wrote a few ms earlier; any other reader (after a
 * reopen, or lagging past the bound) reads the file, and gets the same positions.
 */
import { RECORD_HEADER_BYTES } from './record-codec.ts';
import type { SpoolPosition } from './spool-files.ts';

/** One committed record: its frame (header + payload), the appender's value, and the position just past it. */
interface Kept {
  frame: Buffer;
  value: unknown;
  segment: number;
  end: number;
}

/** A record served from memory; its payload view is made only if asked for (the feeder takes `value` instead). */
export class TailRecord {
  readonly #frame: Buffer;
  readonly end: SpoolPosition;
  readonly value: unknown;
  constructor(frame: Buffer, end: SpoolPosition, value: unknown) {
    this.#frame = frame;
    this.end = end;
    this.value = value;
  }
  get payload(): Buffer {
    return this.#frame.subarray(RECORD_HEADER_BYTES);
  }
}

export interface MemoryTail {
  /** A group was committed at `at` in `segment`, frames in log order; drops the oldest records past the bound. */
  keep(group: readonly { frame: Buffer; value: unknown }[], segment: number, at: number): void;
  /**
   * Up to `max` records from `pos` on, within its segment; undefined when the oldest kept record (once those before
   * `pos` are dropped) does not start exactly at `pos`.
   */
  take(pos: SpoolPosition, max: number): TailRecord[] | undefined;
  clear(): void;
}

export function createMemoryTail(maxBytes: number): MemoryTail {
  let kept: Kept[] = [];
  let head = 0;
  let bytes = 0;

  function drop(): void {
    bytes -= kept[head]!.frame.length;
    kept[head++] = undefined as never; // let the frame go
    if (head === kept.length) {
      kept = [];
      head = 0;
    } else if (head > 4096 && head * 2 > kept.length) {
      kept = kept.slice(head);
      head = 0;
    }
  }

  /** Already behind `pos` (the log is contiguous and a read position is always at a record boundary). */
  const before = (k: Kept, pos: SpoolPosition) => k.segment < pos.segment || (k.segment === pos.segment && k.end <= pos.offset);

  return {
    keep(group, segment, at) {
      if (maxBytes === 0) return;
      let end = at;
      for (const { frame, value } of group) {
        end += frame.length;
        kept.push({ frame, value, segment, end });
        bytes += frame.length;
      }
      while (bytes > maxBytes) drop();
    },

    take(pos, max) {
      while (head < kept.length && before(kept[head]!, pos)) drop();
      const first = kept[head];
      if (first === undefined || first.segment !== pos.segment || first.end - first.frame.length !== pos.offset) return undefined;
      const records: TailRecord[] = [];
      while (records.length < max) {
        const k = kept[head];
        if (k === undefined || k.segment !== pos.segment) break;
        records.push(new TailRecord(k.frame, { segment: k.segment, offset: k.end }, k.value));
        drop();
      }
      return records;
    },

    clear() {
      kept = [];
      head = 0;
      bytes = 0;
    },
  };
}
