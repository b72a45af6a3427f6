import { describe, expect, it } from 'vitest';
import { openDatabase } from '../platform/sqlite.ts';
import { createDeadLetterStore } from './dead-letters.ts';
import { replayDeadLetter } from './replay-dead-letter.ts';

const entry = (code: 'UNKNOWN_DEVICE' | 'TOO_LARGE', payload: Uint8Array) => ({
  receivedAtMs: 0, deviceId: 'dev-1', topic: 'devices/dev-1/telemetry', code, message: 'refused', issues: [], payload,
});

describe('replaying a dead letter', () => {
  it('admits the stored bytes again and removes the row', async () => {
    const store = createDeadLetterStore(openDatabase(':memory:'), { limit: 10 });
    store.add(entry('UNKNOWN_DEVICE', Buffer.from('{"v":1}')));
    const id = store.list()[0]!.id;
    const seen: string[] = [];
    const outcome = await replayDeadLetter(id, { deadLetters: store, clock: () => 1, admit: async (m) => (seen.push(`${m.topic} ${m.payload}`), 'accepted') });
    expect(outcome).toEqual({ outcome: 'stored' });
    expect(seen).toEqual(['devices/dev-1/telemetry {"v":1}']);
    expect(store.count()).toBe(0);
  });

  it('refuses unknown ids and truncated payloads with stable codes, and reports a new refusal', async () => {
    const store = createDeadLetterStore(openDatabase(':memory:'), { limit: 10 });
    await expect(replayDeadLetter(42, { deadLetters: store, clock: () => 1, admit: async () => 'accepted' })).rejects.toMatchObject({ code: 'DEAD_LETTER_NOT_FOUND' });
    store.add(entry('TOO_LARGE', new Uint8Array(5000)));
    const big = store.list()[0]!.id;
    await expect(replayDeadLetter(big, { deadLetters: store, clock: () => 1, admit: async () => 'accepted' })).rejects.toMatchObject({ code: 'DEAD_LETTER_TRUNCATED' });
    store.add(entry('UNKNOWN_DEVICE', Buffer.from('x')));
    const small = store.list()[0]!.id;
    const outcome = await replayDeadLetter(small, {
      deadLetters: store, clock: () => 1,
      admit: async () => (store.add({ ...entry('UNKNOWN_DEVICE', Buffer.from('x')), message: 'still unknown' }), 'refused'),
    });
    expect(outcome).toEqual({ outcome: 'rejected', code: 'UNKNOWN_DEVICE', message: 'still unknown' });
  });
});
