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
  seqs: Float64Array;
  times: Float64Array;
  /** next slot to overwrite */
  next: number;
  filled: number;
}

export function createSeqDeduper(opts: SeqDeduperOptions = {}): SeqDeduper {
  const window = Math.max(1, opts.windowPerDevice ?? 64);
  const maxDevices = Math.max(1, opts.maxDevices ?? 50_000);
  // A Map iterates in insertion order; re-inserting on every hit makes its first key the least recently used.
  const rings = new Map<string, Ring>();

  return {
    seen(deviceId, seq, tsMs) {
      let ring = rings.get(deviceId);
      if (ring === undefined) {
        if (rings.size >= maxDevices) {
          const oldest = rings.keys().next().value;
          if (oldest !== undefined) rings.delete(oldest);
        }
        ring = { seqs: new Float64Array(window), times: new Float64Array(window), next: 0, filled: 0 };
      } else {
        rings.delete(deviceId);
      }
      rings.set(deviceId, ring);
      for (let i = 0; i < ring.filled; i++) {
        if (ring.seqs[i] === seq && ring.times[i] === tsMs) return true;
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
