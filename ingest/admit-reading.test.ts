import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { createAdmitter, type Admission } from './admit-reading.ts';
import { createDeadLetterStore } from './dead-letters.ts';
import { createSeqDeduper } from './dedupe.ts';
import { createIngestMetrics } from './metrics.ts';
import type { Spool } from './spool/spool.ts';
import { decodeSpooledReading, type SpooledReading } from './spooled-reading.ts';
import { DEVICES, LIMITS, NOW_MS, READINGS, directoryOf, message, telemetryTopic } from './test-fixtures.ts';
import { createWarnLimiter } from './warn-limiter.ts';

/** A spool whose appends the test settles one by one (a fake is fine for a unit of logic, STYLE principle 14). */
function manualSpool() {
  const appends: { payload: Buffer; value: SpooledReading; resolve(): void; reject(err: Error): void }[] = [];
  const spool = {
    append: (payload: Buffer, value?: unknown) =>
      new Promise<void>((resolve, reject) => appends.push({ payload: Buffer.from(payload), value: value as SpooledReading, resolve, reject })),
  } as unknown as Spool;
  return { spool, appends };
}

function admitter(spool: Spool) {
  const registry = new Registry();
  const a = createAdmitter({
    directory: directoryOf(...Object.values(DEVICES)),
    spool,
    dedupe: createSeqDeduper(),
    deadLetters: createDeadLetterStore(openDatabase(':memory:'), { limit: 100 }),
    publishError: async () => {},
    clock: () => NOW_MS,
    limits: LIMITS,
    logger: silentLogger,
    metrics: createIngestMetrics(registry),
    warnLimiter: createWarnLimiter({ intervalMs: 60_000, clock: () => NOW_MS }),
  });
  return { ...a, registry };
}

/** The outcome so far: the admission, 'pending', or the error's message. */
function track(p: Promise<Admission>) {
  const t = { state: 'pending' as string };
  p.then((a) => (t.state = a), (err: Error) => (t.state = `error: ${err.message}`));
  return t;
}
const settle = () => new Promise((r) => setImmediate(r));
const reading = (seq: number) => message(telemetryTopic('rs-001'), { ...READINGS.rodent_station, seq });

describe('createAdmitter', () => {
  it('appends what it accepts, the payload describing its value, and counts it once durable', async () => {
    const { spool, appends } = manualSpool();
    const a = admitter(spool);
    const first = track(a.admit(reading(1)));
    await settle();
    expect(appends).toHaveLength(1);
    expect(decodeSpooledReading(appends[0]!.payload)).toEqual(appends[0]!.value);
    expect(first.state).toBe('pending');
    appends[0]!.resolve();
    await settle();
    expect(first.state).toBe('accepted');
    expect((await a.registry.getSingleMetric('vectorwatch_ingest_accepted_total')!.get()).values[0]!.value).toBe(1);
  });

  it('answers a redelivery only once the first copy is durable, and only for that reading', async () => {
    const { spool, appends } = manualSpool();
    const a = admitter(spool);
    const one = track(a.admit(reading(1)));
    const two = track(a.admit(reading(2)));
    const three = track(a.admit(reading(3)));
    const twoAgain = track(a.admit(reading(2)));
    await settle();
    expect(appends).toHaveLength(3);
    appends[0]!.resolve();
    appends[2]!.resolve();
    await settle();
    expect([one.state, two.state, three.state, twoAgain.state]).toEqual(['accepted', 'pending', 'accepted', 'pending']);
    appends[1]!.resolve();
    await settle();
    expect([two.state, twoAgain.state]).toEqual(['accepted', 'duplicate']);
    // Nothing in flight any more: a late redelivery is a duplicate at once.
    const late = track(a.admit(reading(2)));
    await settle();
    expect(late.state).toBe('duplicate');
    expect(appends).toHaveLength(3);
  });

  it('leaves both copies unacknowledged when the first cannot be written, and takes the next one as new', async () => {
    const { spool, appends } = manualSpool();
    const a = admitter(spool);
    const first = track(a.admit(reading(7)));
    const again = track(a.admit(reading(7)));
    await settle();
    appends[0]!.reject(new Error('disk failed'));
    await settle();
    expect([first.state, again.state]).toEqual(['error: disk failed', 'error: disk failed']);
    const retry = track(a.admit(reading(7)));
    await settle();
    expect(appends).toHaveLength(2);
    appends[1]!.resolve();
    await settle();
    expect(retry.state).toBe('accepted');
  });
});
