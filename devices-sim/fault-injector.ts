/**
 * Decides what one device puts on the wire at each report, given its fresh reading and the fault mix.
 * Pure (no I/O) so that what a fault suite expects can be tested without a broker.
 * - A replacing fault (malformed, schema, clock skew, wrong kind, oversized) takes the reading's place: that seq
 *   is used up and ingest must reject the message.
 * - `duplicate` sends the fresh reading and then one already sent (identical bytes).
 * - `out_of_order` holds the fresh reading back and delivers it right after the next one: older seq, older ts.
 */
import type { RejectionCode } from '../contracts/device-errors.ts';
import { type Telemetry, timestampMs } from '../contracts/telemetry.ts';
import { type FaultKind, makeFault } from './faults.ts';
import type { Rng } from './random.ts';

export interface FaultSpec {
  kind: FaultKind;
  /** Share of reports that carry this fault, 0–1. The ratios of a mix add up to at most 1. */
  ratio: number;
}

export interface Outgoing {
  payload: Buffer | string;
  /** The reading's seq (used up even if the payload cannot be read). */
  seq: number;
  tsMs: number;
  fault: FaultKind | null;
  /** The rejection ingest should answer with; null when the message is valid and must be stored once. */
  expectCode: RejectionCode | null;
}

const HISTORY = 16;

export class FaultInjector {
  readonly #specs: readonly FaultSpec[];
  readonly #rng: Rng;
  readonly #history: { reading: Telemetry; payload: string }[] = [];
  #held: Telemetry | null = null;

  constructor(specs: readonly FaultSpec[], rng: Rng) {
    const total = specs.reduce((s, f) => s + f.ratio, 0);
    if (specs.some((f) => !(f.ratio >= 0)) || total > 1 + 1e-9) {
      throw new RangeError(`fault ratios must be ≥ 0 and add up to at most 1 (got ${total})`);
    }
    this.#specs = specs;
    this.#rng = rng;
  }

  /** The messages to publish for this report, in order. */
  plan(reading: Telemetry): Outgoing[] {
    const late = this.#held;
    this.#held = null;
    // Only one reading is held at a time, so the late one always follows a newer one.
    const out = this.#forReading(reading, late === null);
    if (late) out.push(this.#valid(late, 'out_of_order'));
    return out;
  }

  /** A reading still held back: deliver it before going offline, so nothing is silently lost. */
  drain(): Outgoing[] {
    const late = this.#held;
    this.#held = null;
    return late ? [this.#valid(late, 'out_of_order')] : [];
  }

  #draw(): FaultKind | null {
    let u = this.#rng.next();
    for (const spec of this.#specs) {
      if (u < spec.ratio) return spec.kind;
      u -= spec.ratio;
    }
    return null;
  }

  #forReading(reading: Telemetry, mayHold: boolean): Outgoing[] {
    const kind = this.#draw();
    if (kind === null || (kind === 'out_of_order' && !mayHold)) return [this.#valid(reading, null)];
    if (kind === 'duplicate') {
      const first = this.#valid(reading, null);
      const earlier = this.#rng.pick(this.#history);
      return [first, { payload: earlier.payload, seq: earlier.reading.seq, tsMs: timestampMs(earlier.reading.ts), fault: 'duplicate', expectCode: null }];
    }
    if (kind === 'out_of_order') {
      this.#held = reading;
      return [];
    }
    const fault = makeFault(kind, reading, this.#rng);
    return [{ payload: fault.payload, seq: reading.seq, tsMs: timestampMs(reading.ts), fault: kind, expectCode: fault.expectCode ?? null }];
  }

  #valid(reading: Telemetry, fault: FaultKind | null): Outgoing {
    const payload = JSON.stringify(reading);
    this.#history.push({ reading, payload });
    if (this.#history.length > HISTORY) this.#history.shift();
    return { payload, seq: reading.seq, tsMs: timestampMs(reading.ts), fault, expectCode: null };
  }
}
