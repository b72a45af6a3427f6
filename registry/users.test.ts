import { describe, expect, it } from 'vitest';
import type { UserCreate } from '../contracts/api/access.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { hashPassword, verifyPassword } from './password-hash.ts';
import { openUserStore, UserError } from './users.ts';

// Tests use a cheap scrypt cost; production uses DEFAULT_SCRYPT (password-hash.ts).
const FAST = { N: 1024, r: 8, p: 1 };

function setup(now = { ms: Date.parse('2026-11-22T08:00:00Z') }) {
  const db = openDatabase(':memory:');
  const users = openUserStore(db, { scrypt: FAST, lockout: { maxFailures: 3, lockMs: 10 * 60_000 }, clock: () => now.ms });
  return { users, now };
}

const office: UserCreate = { username: 'office.yuexiu', displayName: '越秀区爱卫办', role: 'health_office', scope: { districtIds: ['yuexiu'] } };

describe('people', () => {
  it('stores a slow salted hash, never the password, and logs in with it', async () => {
    const { users, now } = setup();
    const { user, password } = await users.create(office, now.ms);
    expect(password).toMatch(/^[A-Za-z2-9]{15}$/);
    expect(user).toMatchObject({ username: 'office.yuexiu', role: 'health_office', scope: { districtIds: ['yuexiu'] }, status: 'active', language: 'zh' });
    expect(await users.login('office.yuexiu', password, now.ms)).toMatchObject({ result: 'ok', user: { id: user.id } });
    expect(await users.login('office.yuexiu', `${password}x`, now.ms)).toEqual({ result: 'bad_credentials' });
    expect(await users.login('nobody', password, now.ms)).toEqual({ result: 'bad_credentials' });
  });

  it('refuses a taken username and a role whose scope does not fit', async () => {
    const { users, now } = setup();
    await users.create(office, now.ms);
    await expect(users.create(office, now.ms)).rejects.toMatchObject({ code: 'USER_EXISTS' });
    await expect(users.create(office, now.ms)).rejects.toBeInstanceOf(UserError);
    await expect(users.create({ ...office, username: 'x.y.z', role: 'contractor' }, now.ms)).rejects.toThrow(/role contractor takes a scope of contractorId/);
  });

  it('locks the account after repeated failures, even for the right password, until the lock expires', async () => {
    const { users, now } = setup();
    const { password } = await users.create({ ...office, password: 'correct horse battery' }, now.ms);
    expect(password).toBe('correct horse battery');
    for (let i = 0; i < 2; i++) expect((await users.login('office.yuexiu', 'wrong', now.ms)).result).toBe('bad_credentials');
    const third = await users.login('office.yuexiu', 'wrong', now.ms);
    expect(third).toMatchObject({ result: 'locked', lockedUntilMs: now.ms + 10 * 60_000 });
    expect((await users.login('office.yuexiu', password, now.ms + 60_000)).result).toBe('locked');
    expect(users.getByUsername('office.yuexiu')?.lockedUntil).toBe(new Date(now.ms + 10 * 60_000).toISOString());
    now.ms += 10 * 60_000 + 1;
    expect((await users.login('office.yuexiu', password, now.ms)).result).toBe('ok');
  });

  it('a success resets the failure count', async () => {
    const { users, now } = setup();
    const { password } = await users.create(office, now.ms);
    for (let round = 0; round < 3; round++) {
      await users.login('office.yuexiu', 'wrong', now.ms);
      await users.login('office.yuexiu', 'wrong', now.ms);
      expect((await users.login('office.yuexiu', password, now.ms)).result).toBe('ok');
    }
  });

  it('a disabled person cannot log in; a reset password works and clears a lock', async () => {
    const { users, now } = setup();
    const { user, password } = await users.create(office, now.ms);
    users.setStatus(user.id, 'disabled');
    expect((await users.login('office.yuexiu', password, now.ms)).result).toBe('disabled');
    users.setStatus(user.id, 'active');
    for (let i = 0; i < 3; i++) await users.login('office.yuexiu', 'wrong', now.ms);
    await users.setPassword(user.id, 'a brand new secret');
    expect((await users.login('office.yuexiu', 'a brand new secret', now.ms)).result).toBe('ok');
    expect(await users.checkPassword(user.id, password)).toBe(false);
  });
});

describe('password hashes', () => {
  it('carry their parameters, so a stronger setting asks for a re-hash', async () => {
    const stored = await hashPassword('pässword', FAST);
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('pässword', stored, FAST)).toEqual({ ok: true, rehash: false });
    expect(await verifyPassword('pässword', stored, { ...FAST, N: 2048 })).toEqual({ ok: true, rehash: true });
    expect(await verifyPassword('password', stored, FAST)).toEqual({ ok: false, rehash: false });
    expect(await verifyPassword('x', 'not-a-hash', FAST)).toEqual({ ok: false, rehash: false });
  });
});
