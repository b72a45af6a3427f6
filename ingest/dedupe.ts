/**
 * Remembers the readings each device sent recently, so an MQTT QoS 1 redelivery ("at least once",
 * MQTT 3.1.1 §4.3.2) is counted as a duplicate instead of being written again. Writing it again would be
 * harmless — the point identity makes writes idempotent (to-point.ts) — but the count tells operators how
 * often devices retransmit.
 *
 * A reading is identified by (seq, ts), not by seq alone: a device that restarts its counter reuses seqs with
 * new timestamps, and those are new readings that must not be swallowed.
 *
 * Bounded memory: a ring of the last `windowPerDevice` readings per device (two Float64Arrays, scanned
 * linearly: 64 compares are cheaper than a Set), and at most `maxDevices` devices, least recently heard first
 * out. Defaults: 64 × 16 B × 50 000 devices ≈ 51 MB worst case.
 *
 * Per reading (`seen` was ~5 % of the admission path, bench/micro/admit.ts): a seq above every seq the device sent
 * before cannot be in its ring, so the usual reading (the next seq) skips the scan; and recency is a doubly linked
 * list through the rings (a few pointer writes) instead of deleting and re-inserting the device in a Map.
 */

export interface SeqDeduper {
  /** True when this (device, seq, ts) was seen recently; otherwise records it and returns false. */
  seen(deviceId: string, seq: number, tsMs: number): boolean;
  /** Forgets one (device, seq, ts), e.g. when it could not be stored after all: its redelivery must count as new. */
  forget(deviceId: string, seq: number, tsMs: number): void;
  /** Devices currently remembered (for tests and /health). */
  size(): number;
}

export interface SeqDeduperOptions {
  windowPerDevice?: number;
  maxDevices?: number;
}

interface Ring {
  deviceId: string;
  seqs: Float64Array;
  times: Float64Array;
  /** next slot to overwrite */
  next: number;
  filled: number;
  /** The highest seq ever recorded (≥ every seq in the ring). */
  maxSeq: number;
  /** Neighbours in recency order: `newer` toward the most recently heard device. */
  newer: Ring | undefined;
  older: Ring | undefined;
}

export function createSeqDeduper(opts: SeqDeduperOptions = {}): SeqDeduper {
  const window = Math.max(1, opts.windowPerDevice ?? 64);
  const maxDevices = Math.max(1, opts.maxDevices ?? 50_000);
  const rings = new Map<string, Ring>();
  /** Most and least recently heard. */
  let newest: Ring | undefined;
  let oldest: Ring | undefined;

  function unlink(ring: Ring): void {
    if (ring.newer === undefined) newest = ring.older;
    else ring.newer.older = ring.older;
    if (ring.older === undefined) oldest = ring.newer;
    else ring.older.newer = ring.newer;
    ring.newer = ring.older = undefined;
  }

  function pushNewest(ring: Ring): void {
    ring.older = newest;
    ring.newer = undefined;
    if (newest === undefined) oldest = ring;
    else newest.newer = ring;
    newest = ring;
  }

  return {
    seen(deviceId, seq, tsMs) {
      let ring = rings.get(deviceId);
      if (ring === undefined) {
        if (rings.size >= maxDevices && oldest !== undefined) {
          rings.delete(oldest.deviceId);
          unlink(oldest);
        }
        ring = { deviceId, seqs: new Float64Array(window), times: new Float64Array(window), next: 0, filled: 0, maxSeq: -Infinity, newer: undefined, older: undefined };
        rings.set(deviceId, ring);
        pushNewest(ring);
      } else if (ring !== newest) {
        unlink(ring);
        pushNewest(ring);
      }
      if (seq > ring.maxSeq) {
        ring.maxSeq = seq;
      } else {
        const { seqs, times, filled } = ring;
        for (let i = 0; i < filled; i++) {
          if (seqs[i] === seq && times[i] === tsMs) return true;
        }
      }
      ring.seqs[ring.next] = seq;
      ring.times[ring.next] = tsMs;
      ring.next = (ring.next + 1) % window;
      ring.filled = Math.min(ring.filled + 1, window);
      return false;
    },
    forget(deviceId, seq, tsMs) {
      const ring = rings.get(deviceId);
      if (ring === undefined) return;
      for (let i = 0; i < ring.filled; i++) {
        if (ring.seqs[i] === seq && ring.times[i] === tsMs) ring.seqs[i] = Number.NaN; // NaN never equals a seq
      }
    },
    size: () => rings.size,
  };
}
