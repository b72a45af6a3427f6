import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { createDeadLetterWriter } from './dead-letter-writer.ts';
import { createDeadLetterStore, type NewDeadLetter } from './dead-letters.ts';

const entry = (deviceId: string): NewDeadLetter => ({
  receivedAtMs: 0, deviceId, topic: `devices/${deviceId}/telemetry`, code: 'INVALID_JSON', message: 'bad', issues: [], payload: Buffer.from('{'),
});

describe('createDeadLetterWriter', () => {
  it('commits one turn of refusals in one transaction and samples a flooding device per window', async () => {
    const store = createDeadLetterStore(openDatabase(':memory:'), { limit: 1000 });
    const batches: number[] = [];
    const counting = { ...store, addMany: (rows: readonly NewDeadLetter[]) => (batches.push(rows.length), store.addMany(rows)) };
    const skipped = new Counter({ name: 'skipped', help: 'h', registers: [new Registry()] });
    let now = 0;
    const writer = createDeadLetterWriter(counting, { logger: silentLogger, skipped, clock: () => now, perDevice: 5, windowMs: 1000 });
    await Promise.all([...Array.from({ length: 50 }, () => writer.write(entry('flood-1'))), writer.write(entry('other-1'))]);
    expect(batches).toEqual([6]);
    expect(store.list({ deviceId: 'flood-1' })).toHaveLength(5);
    expect(store.list({ deviceId: 'other-1' })).toHaveLength(1);
    expect((await skipped.get()).values[0]?.value).toBe(45);
    now = 1000; // a new window
    await writer.write(entry('flood-1'));
    expect(store.list({ deviceId: 'flood-1' })).toHaveLength(6);
  });
});
