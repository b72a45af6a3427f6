import { describe, expect, it } from 'vitest';
import { createAsyncChannel } from './async-channel.ts';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('createAsyncChannel', () => {
  it('delivers pushed items in order, before and after the consumer waits, and ends after close', async () => {
    const ch = createAsyncChannel<number>({ highWaterMark: 10 });
    ch.push(1);
    const all = collect(ch);
    ch.push(2);
    await new Promise((r) => setTimeout(r, 5));
    ch.push(3);
    ch.close();
    ch.push(4); // after close: refused
    expect(await all).toEqual([1, 2, 3]);
  });

  it('room() waits while highWaterMark items are buffered and resolves as the consumer catches up', async () => {
    const ch = createAsyncChannel<number>({ highWaterMark: 2 });
    ch.push(1);
    ch.push(2);
    let free = false;
    const room = ch.room().then(() => (free = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(free).toBe(false);
    const it = ch[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 1, done: false });
    await room;
    expect(free).toBe(true);
    expect(ch.size()).toBe(1);
  });

  it('drains items still buffered when closed', async () => {
    const ch = createAsyncChannel<number>({ highWaterMark: 100 });
    for (let i = 0; i < 3000; i++) ch.push(i);
    ch.close();
    const got = await collect(ch);
    expect(got.length).toBe(3000);
    expect(got[2999]).toBe(2999);
  });
});
