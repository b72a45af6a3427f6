import { describe, expect, it } from 'vitest';
import { createWarnLimiter } from './warn-limiter.ts';

describe('createWarnLimiter', () => {
  it('allows a key once per interval, per key', () => {
    let now = 0;
    const limiter = createWarnLimiter({ intervalMs: 60_000, clock: () => now });
    expect(limiter.allow('SCHEMA_INVALID:a')).toBe(true);
    expect(limiter.allow('SCHEMA_INVALID:a')).toBe(false);
    expect(limiter.allow('SCHEMA_INVALID:b')).toBe(true);
    expect(limiter.allow('INVALID_JSON:a')).toBe(true);
    now = 59_999;
    expect(limiter.allow('SCHEMA_INVALID:a')).toBe(false);
    now = 60_000;
    expect(limiter.allow('SCHEMA_INVALID:a')).toBe(true);
  });

  it('stays bounded', () => {
    let now = 0;
    const limiter = createWarnLimiter({ intervalMs: 1000, clock: () => now, maxKeys: 3 });
    for (const k of ['a', 'b', 'c']) limiter.allow(k);
    now = 10; // none expired: the map is cleared to make room, so the next key is still allowed
    expect(limiter.allow('d')).toBe(true);
    expect(limiter.allow('d')).toBe(false);
  });
});
