import { describe, expect, it } from 'vitest';
import { openDatabase } from '../platform/sqlite.ts';
import { openTokenStore } from './tokens.ts';
import { openSessionStore } from './sessions.ts';

const T0 = Date.parse('2026-11-22T08:00:00Z');

describe('API tokens', () => {
  it('verify by secret until revoked; only a hash is stored', () => {
    const db = openDatabase(':memory:');
    const tokens = openTokenStore(db);
    const { token, secret } = tokens.create({ name: 'report job', role: 'viewer', scope: { districtIds: ['yuexiu'] } }, 'admin-token', T0);
    expect(secret).toMatch(/^vwt_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(db.prepare('SELECT * FROM api_tokens').all())).not.toContain(secret.slice(4));
    expect(tokens.verify(secret, T0 + 1)).toMatchObject({ id: token.id, role: 'viewer', scope: { districtIds: ['yuexiu'] } });
    expect(tokens.verify(`${secret}x`, T0 + 1)).toBeUndefined();
    expect(tokens.verify('not-a-token', T0 + 1)).toBeUndefined();
    const revoked = tokens.revoke(token.id, T0 + 2);
    expect(revoked.revokedAt).toBe(new Date(T0 + 2).toISOString());
    expect(tokens.revoke(token.id, T0 + 3).revokedAt).toBe(revoked.revokedAt);
    expect(tokens.verify(secret, T0 + 4)).toBeUndefined();
    expect(() => tokens.revoke('nope', T0)).toThrow(expect.objectContaining({ code: 'TOKEN_NOT_FOUND' }));
  });

  it('stop at their expiry', () => {
    const tokens = openTokenStore(openDatabase(':memory:'));
    const expiresAt = new Date(T0 + 60_000).toISOString();
    const { secret } = tokens.create({ name: 'short', role: 'admin', scope: { all: true }, expiresAt }, 'admin-token', T0);
    expect(tokens.verify(secret, T0 + 59_999)).toBeDefined();
    expect(tokens.verify(secret, T0 + 60_000)).toBeUndefined();
  });

  it('refuse a scope that does not fit the role', () => {
    const tokens = openTokenStore(openDatabase(':memory:'));
    expect(() => tokens.create({ name: 'x', role: 'admin', scope: { contractorId: 'jiean' } }, 'a', T0)).toThrow(/role admin takes a scope of all/);
  });
});

describe('sessions', () => {
  it('end at the absolute lifetime or after the idle period, and can be ended', () => {
    const sessions = openSessionStore(openDatabase(':memory:'), { ttlMs: 3600_000, idleMs: 600_000 });
    const a = sessions.create('u1', T0);
    expect(sessions.lookup(a.id, T0 + 500_000)).toMatchObject({ userId: 'u1', csrfToken: a.session.csrfToken });
    expect(sessions.lookup(a.id, T0 + 1_000_000)).toMatchObject({ userId: 'u1' }); // used within the idle period
    expect(sessions.lookup(a.id, T0 + 1_000_000 + 600_000)).toBeUndefined(); // idle too long
    const b = sessions.create('u1', T0);
    for (let t = T0; t < T0 + 3600_000; t += 300_000) expect(sessions.lookup(b.id, t)).toBeDefined();
    expect(sessions.lookup(b.id, T0 + 3600_000)).toBeUndefined(); // absolute lifetime
    const c = sessions.create('u2', T0);
    const d = sessions.create('u2', T0);
    sessions.end(c.id);
    expect(sessions.lookup(c.id, T0 + 1)).toBeUndefined();
    expect(sessions.lookup(d.id, T0 + 1)).toBeDefined();
    sessions.endAllOf('u2');
    expect(sessions.lookup(d.id, T0 + 1)).toBeUndefined();
    expect(sessions.lookup('made-up', T0)).toBeUndefined();
  });
});
