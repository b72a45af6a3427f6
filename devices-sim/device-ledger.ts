/**
 * What one simulated device has sent and been told: a bounded record of its messages (so a fault suite can compare
 * sent with stored), the rejections from `devices/{id}/errors`, and its counters.
 */
import { DeviceErrorMessageSchema, type DeviceErrorMessage, type RejectionCode } from '../contracts/device-errors.ts';
import type { Outgoing } from './fault-injector.ts';
import type { FaultKind } from './faults.ts';

/** One message this device published. */
export interface SentRecord {
  seq: number;
  tsMs: number;
  fault: FaultKind | null;
  /** Null when the message is valid and must be stored (once, for duplicates). */
  expectCode: RejectionCode | null;
  acked: boolean;
  /** performance.now() at publish and at its PUBACK (null until acked): PUBACK latency for the fault suite. */
  sentAt: number;
  ackedAt: number | null;
}

export interface LedgerCounters {
  sent: number;
  acked: number;
  /** Reports not generated because too many publishes were waiting for PUBACK. */
  skipped: number;
  /** Connection and publish errors, and unreadable messages on the errors topic. */
  errors: number;
  rejectedByCode: Partial<Record<RejectionCode, number>>;
}

const REJECTIONS_KEPT = 1000;

export class DeviceLedger {
  readonly #recordLimit: number;
  readonly #records: SentRecord[] = [];
  readonly #rejections: DeviceErrorMessage[] = [];
  readonly #counters: LedgerCounters = { sent: 0, acked: 0, skipped: 0, errors: 0, rejectedByCode: {} };

  constructor(recordLimit: number) {
    this.#recordLimit = recordLimit;
  }

  sent(o: Outgoing): SentRecord {
    const record: SentRecord = {
      seq: o.seq, tsMs: o.tsMs, fault: o.fault, expectCode: o.expectCode, acked: false, sentAt: performance.now(), ackedAt: null,
    };
    this.#records.push(record);
    // Trim in chunks: splicing on every push would make a long run quadratic.
    if (this.#records.length > this.#recordLimit * 1.25) this.#records.splice(0, this.#records.length - this.#recordLimit);
    this.#counters.sent++;
    return record;
  }

  acked(record: SentRecord): void {
    record.acked = true;
    record.ackedAt = performance.now();
    this.#counters.acked++;
  }

  skipped(): void {
    this.#counters.skipped++;
  }

  error(): void {
    this.#counters.errors++;
  }

  /** A message from the errors topic; returns the rejection, or null (counted as an error) when unreadable. */
  rejection(payload: Buffer): DeviceErrorMessage | null {
    let parsed: ReturnType<typeof DeviceErrorMessageSchema.safeParse> | null = null;
    try {
      parsed = DeviceErrorMessageSchema.safeParse(JSON.parse(payload.toString('utf8')));
    } catch {
      // not JSON: falls through to the error count
    }
    if (!parsed?.success) {
      this.#counters.errors++;
      return null;
    }
    const { code } = parsed.data;
    this.#counters.rejectedByCode[code] = (this.#counters.rejectedByCode[code] ?? 0) + 1;
    this.#rejections.push(parsed.data);
    if (this.#rejections.length > REJECTIONS_KEPT) this.#rejections.shift();
    return parsed.data;
  }

  counters(): LedgerCounters {
    return { ...this.#counters, rejectedByCode: { ...this.#counters.rejectedByCode } };
  }

  /** Published messages, oldest first (the most recent `recordLimit`). */
  records(): readonly SentRecord[] {
    return this.#records;
  }

  /** Rejections received, oldest first (the most recent 1,000). */
  rejections(): readonly DeviceErrorMessage[] {
    return this.#rejections;
  }
}
