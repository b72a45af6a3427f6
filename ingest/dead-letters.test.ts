import { describe, expect, it } from 'vitest';
import { openDatabase } from '../platform/sqlite.ts';
import { MAX_STORED_PAYLOAD_BYTES, TOO_LARGE_KEPT_BYTES, createDeadLetterStore, type NewDeadLetter } from './dead-letters.ts';

const entry = (over: Partial<NewDeadLetter> = {}): NewDeadLetter => ({
  receivedAtMs: Date.parse('2025-06-01T00:00:00Z'),
  deviceId: 'rs-001',
  topic: 'devices/rs-001/telemetry',
  code: 'SCHEMA_INVALID',
  message: 'visits: Too small',
  issues: [{ path: 'visits', message: 'Too small' }],
  payload: Buffer.from('{"visits":-1}'),
  ...over,
});

describe('createDeadLetterStore', () => {
  it('stores a rejection with its raw bytes as base64 and reads it back', () => {
    const store = createDeadLetterStore(openDatabase(':memory:'), { limit: 10 });
    store.add(entry({ payload: Buffer.from([0xff, 0x00, 0x7b]) }));
    expect(store.list()).toEqual([
      {
        id: 1,
        receivedAt: '2025-06-01T00:00:00.000Z',
        deviceId: 'rs-001',
        topic: 'devices/rs-001/telemetry',
        code: 'SCHEMA_INVALID',
        message: 'visits: Too small',
        issues: [{ path: 'visits', message: 'Too small' }],
        payload: '/wB7',
        payloadBytes: 3,
      },
    ]);
  });

  it('keeps only the newest `limit` rows', () => {
    const store = createDeadLetterStore(openDatabase(':memory:'), { limit: 3 });
    for (let i = 1; i <= 7; i++) store.add(entry({ message: `m${i}` }));
    expect(store.count()).toBe(3);
    expect(store.list().map((d) => d.message)).toEqual(['m7', 'm6', 'm5']);
  });

  it('filters by device and code, pages with beforeId and limit, newest first', () => {
    const store = createDeadLetterStore(openDatabase(':memory:'), { limit: 100 });
    store.add(entry({ deviceId: 'a-1', code: 'INVALID_JSON' }));
    store.add(entry({ deviceId: 'b-1', code: 'INVALID_JSON' }));
    store.add(entry({ deviceId: 'a-1', code: 'TOO_LARGE' }));
    store.add(entry({ deviceId: 'a-1', code: 'INVALID_JSON' }));
    expect(store.list({ deviceId: 'a-1' }).map((d) => d.id)).toEqual([4, 3, 1]);
    expect(store.list({ code: 'INVALID_JSON' }).map((d) => d.id)).toEqual([4, 2, 1]);
    expect(store.list({ deviceId: 'a-1', code: 'INVALID_JSON' }).map((d) => d.id)).toEqual([4, 1]);
    expect(store.list({ limit: 2 }).map((d) => d.id)).toEqual([4, 3]);
    expect(store.list({ limit: 2, beforeId: 3 }).map((d) => d.id)).toEqual([2, 1]);
  });

  it('truncates a huge payload but records its size', () => {
    const store = createDeadLetterStore(openDatabase(':memory:'), { limit: 10 });
    store.add(entry({ code: 'SCHEMA_INVALID', payload: Buffer.alloc(MAX_STORED_PAYLOAD_BYTES + 100, 0x61) }));
    store.add(entry({ code: 'TOO_LARGE', payload: Buffer.alloc(9000, 0x61) }));
    const [tooLarge, huge] = store.list();
    expect(Buffer.from(huge!.payload, 'base64').byteLength).toBe(MAX_STORED_PAYLOAD_BYTES);
    expect(huge!.payloadBytes).toBe(MAX_STORED_PAYLOAD_BYTES + 100);
    expect(Buffer.from(tooLarge!.payload, 'base64').byteLength).toBe(TOO_LARGE_KEPT_BYTES); // size is all it shows
    expect(tooLarge!.payloadBytes).toBe(9000);
  });

  it('reopens an existing table (created once, IF NOT EXISTS)', () => {
    const db = openDatabase(':memory:');
    createDeadLetterStore(db, { limit: 10 }).add(entry());
    const again = createDeadLetterStore(db, { limit: 10 });
    expect(again.count()).toBe(1);
  });
});
