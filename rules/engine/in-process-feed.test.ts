import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../platform/logger.ts';
import { createInProcessFeed } from './in-process-feed.ts';

describe('in-process telemetry feed', () => {
  it('delivers in order, one at a time, and keeps readings pushed while nobody listens', async () => {
    const feed = createInProcessFeed({ logger: silentLogger });
    feed.push('a', Buffer.from('1'));
    const seen: string[] = [];
    let active = 0;
    let maxActive = 0;
    const sub = feed.subscribe(async (topic, payload) => {
      maxActive = Math.max(maxActive, ++active);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(`${topic}${payload}`);
      active--;
    });
    for (let i = 2; i <= 5; i++) feed.push('a', Buffer.from(String(i)));
    while (seen.length < 5) await new Promise((r) => setTimeout(r, 2));
    await sub.close();
    expect(seen).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(maxActive).toBe(1);
    feed.push('b', Buffer.from('6')); // engine stopped: waits
    expect(feed.backlog()).toBe(1);
    const again: string[] = [];
    const sub2 = feed.subscribe(async (t, p) => void again.push(`${t}${p}`));
    await new Promise((r) => setTimeout(r, 5));
    await sub2.close();
    expect(again).toEqual(['b6']);
  });

  it('delivers readings pushed after an idle subscription started (the usual order in a running stack)', async () => {
    const feed = createInProcessFeed({ logger: silentLogger });
    const seen: string[] = [];
    const sub = feed.subscribe(async (t) => void seen.push(t));
    await new Promise((r) => setTimeout(r, 2));
    feed.push('late', Buffer.alloc(0));
    await new Promise((r) => setTimeout(r, 2));
    feed.push('later', Buffer.alloc(0));
    await new Promise((r) => setTimeout(r, 2));
    await sub.close();
    expect(seen).toEqual(['late', 'later']);
  });

  it('bounds the backlog and survives a failing handler', async () => {
    const feed = createInProcessFeed({ logger: silentLogger, maxBacklog: 3 });
    for (let i = 0; i < 5; i++) feed.push('t', Buffer.from(String(i)));
    expect(feed.backlog()).toBe(3);
    const seen: string[] = [];
    const sub = feed.subscribe(async (_t, p) => {
      if (String(p) === '0') throw new Error('boom');
      seen.push(String(p));
    });
    await new Promise((r) => setTimeout(r, 5));
    await sub.close();
    expect(seen).toEqual(['1', '2']);
  });

  it('hands a reading to a synchronous handler at once when nothing waits, in order, one at a time', async () => {
    const errors: unknown[] = [];
    const logger = { ...silentLogger, error: (obj: unknown) => void errors.push(obj) } as typeof silentLogger;
    const feed = createInProcessFeed({ logger });
    const seen: string[] = [];
    let active = 0;
    let maxActive = 0;
    const sub = feed.subscribe((topic) => {
      maxActive = Math.max(maxActive, ++active);
      try {
        if (topic === 'boom') throw new Error('boom');
        if (topic === 'a') feed.push('nested', Buffer.alloc(0)); // not run inside this call
        seen.push(topic);
      } finally {
        active--;
      }
    });
    feed.push('a', Buffer.alloc(0));
    expect(seen).toEqual(['a']); // synchronously
    expect(feed.backlog()).toBe(1);
    await new Promise((r) => setTimeout(r, 2));
    expect(seen).toEqual(['a', 'nested']);
    feed.push('boom', Buffer.alloc(0)); // logged, and the next reading still goes through
    feed.push('b', Buffer.alloc(0));
    expect(seen).toEqual(['a', 'nested', 'b']);
    expect(errors).toHaveLength(1);
    expect(maxActive).toBe(1);
    await sub.close();
  });

  it('holds readings while an asynchronous handler works on one, and close waits for it', async () => {
    const feed = createInProcessFeed({ logger: silentLogger });
    const seen: string[] = [];
    let release!: () => void;
    const sub = feed.subscribe(async (topic) => {
      if (topic === 'slow') await new Promise<void>((r) => (release = r));
      seen.push(topic);
    });
    feed.push('slow', Buffer.alloc(0));
    feed.push('next', Buffer.alloc(0));
    expect(feed.backlog()).toBe(1);
    await new Promise((r) => setTimeout(r, 2));
    expect(seen).toEqual([]);
    let closed = false;
    const closing = sub.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 2));
    expect(closed).toBe(false); // the reading in hand
    release();
    await closing;
    expect(seen).toEqual(['slow']); // stopped: 'next' waits for the next subscriber
    expect(feed.backlog()).toBe(1);
  });
});
