import { describe, expect, it } from 'vitest';
import { openDatabase } from '../platform/sqlite.ts';
import { canonicalJson, GENESIS_HASH, openAuditLog } from './audit.ts';

const T0 = Date.parse('2026-11-22T08:00:00Z');

function filled() {
  const db = openDatabase(':memory:');
  const log = openAuditLog(db);
  log.append({ actor: 'user:office.yuexiu', actorRole: 'health_office', action: 'device.disable', targetType: 'device', targetId: 'd1', districtId: 'yuexiu', before: { status: 'active' }, after: { status: 'disabled' } }, T0);
  log.append({ actor: 'user:contractor.jiean', actorRole: 'contractor', action: 'alert.acknowledge', targetType: 'alert', targetId: 'a1', districtId: 'yuexiu', siteId: 's1' }, T0 + 1000);
  log.append({ actor: 'admin-token', actorRole: 'admin', action: 'user.create', targetType: 'user', targetId: 'u1' }, T0 + 2000);
  log.append({ actor: 'user:office.tianhe', actorRole: 'health_office', action: 'alert.resolve', targetType: 'alert', targetId: 'a2', districtId: 'tianhe' }, T0 + 3000);
  return { db, log };
}

describe('audit log', () => {
  it('chains each entry to the one before', () => {
    const { log } = filled();
    const entries = log.list().reverse();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(entries[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < entries.length; i++) expect(entries[i]?.prevHash).toBe(entries[i - 1]?.hash);
    expect(entries[0]).toMatchObject({ at: '2026-11-22T08:00:00.000Z', before: { status: 'active' }, after: { status: 'disabled' } });
    expect(log.verify()).toEqual({ ok: true, entries: 4, lastHash: entries[3]?.hash });
  });

  it('filters by district for a health office, newest first, with paging', () => {
    const { log } = filled();
    expect(log.list({ districtIds: ['yuexiu'] }).map((e) => e.seq)).toEqual([2, 1]);
    expect(log.list({ districtIds: [] })).toEqual([]);
    expect(log.list({ action: 'alert.resolve' }).map((e) => e.targetId)).toEqual(['a2']);
    expect(log.list({ beforeSeq: 3, limit: 1 }).map((e) => e.seq)).toEqual([2]);
  });

  it('refuses edits and deletes', () => {
    const { db } = filled();
    expect(() => db.exec("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit_log WHERE seq = 4')).toThrow(/append-only/);
  });

  it.each([
    ['an edited entry', "UPDATE audit_log SET after_json = '{\"status\":\"active\"}' WHERE seq = 1", 1, 'hash does not match the entry'],
    ['a deleted entry', 'DELETE FROM audit_log WHERE seq = 2', 3, 'entry 2 is missing'],
    ['an edited entry with a forged hash', "UPDATE audit_log SET actor = 'x', hash = 'f00' WHERE seq = 3", 3, 'hash does not match the entry'],
  ])('detects %s made by someone who bypasses the triggers', (_what, sql, brokenAtSeq, reason) => {
    const { db, log } = filled();
    db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
    db.exec(sql);
    expect(log.verify()).toMatchObject({ ok: false, brokenAtSeq, reason });
  });

  it('hashes canonical JSON: key order does not matter', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  });
});
