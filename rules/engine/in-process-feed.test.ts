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
});
