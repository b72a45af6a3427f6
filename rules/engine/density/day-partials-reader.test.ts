import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../platform/sqlite.ts';
import { createPartialsReader } from './day-partials-reader.ts';
import { createDayPartialsStore } from './day-partials-store.ts';
import { emptyPartials } from './sensor-aggregates.ts';

const dir = mkdtempSync(join(tmpdir(), 'vw-partials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const CONFIG = 'Asia/Shanghai|night 19-5|v1';
function fill(store: ReturnType<typeof createDayPartialsStore>): void {
  for (let d = 0; d < 3; d++) {
    const p = emptyPartials();
    for (let i = 0; i < 50; i++) {
      const t = { deviceId: `rs-${i}`, siteId: `site-${i % 5}`, districtId: i % 2 ? 'yuexiu' : 'tianhe' };
      p.rodent.set(`${t.deviceId}\u0000${t.siteId}`, { ...t, reports: 24, visits: i % 3, caught: 0, covered: 86_400 });
      p.mosquito.set(`lt-${i}`, { deviceId: `lt-${i}`, siteId: t.siteId, districtId: t.districtId, reports: 12, buckets: [], nights: [{ night: `2026-11-0${d + 1}`, coveredNight: true, females: i }] });
    }
    store.put({ startMs: d * DAY, endMs: (d + 1) * DAY }, p, { config: CONFIG, fetchedAtMs: 1 });
  }
}

const neverInline = { read: () => { throw new Error('read on the event loop'); } };

/** A roll-up store in its own database file, three days of 50 rodent stations and 50 light traps. */
function filledStore(name: string) {
  const db = openDatabase(join(dir, name));
  const store = createDayPartialsStore(db);
  fill(store);
  return { db, store };
}

describe('roll-up reads off the event loop', () => {
  it('a file database is read in a worker thread, with the same sums as the read in line', async () => {
    const { db, store } = filledStore('meta.db');
    const reader = createPartialsReader(db, neverInline);
    try {
      for (const where of [{}, { districtId: 'yuexiu' }, { siteId: 'site-3' }]) {
        expect(await reader.read(0, 3 * DAY, CONFIG, where)).toEqual(store.read(0, 3 * DAY, CONFIG, where));
      }
      // A write on the main connection is seen by the next read (WAL: a new read transaction per read).
      const p = emptyPartials();
      p.rodent.set('rs-new\u0000site-0', { deviceId: 'rs-new', siteId: 'site-0', districtId: 'yuexiu', reports: 1, visits: 1, caught: 0, covered: 3600 });
      store.put({ startMs: 3 * DAY, endMs: 4 * DAY }, p, { config: CONFIG, fetchedAtMs: 2 });
      expect((await reader.read(0, 4 * DAY, CONFIG)).rodent.get('rs-new\u0000site-0')?.visits).toBe(1);
    } finally {
      await reader.close();
      db.close();
    }
  });

  it('a worker that stops is replaced at the next read; the store reads the same through readAsync', async () => {
    const { db, store } = filledStore('meta2.db');
    const reader = createPartialsReader(db, neverInline);
    const first = await reader.read(0, 3 * DAY, CONFIG);
    await reader.close();
    expect(await reader.read(0, 3 * DAY, CONFIG)).toEqual(first);
    await reader.close();
    expect(await store.readAsync(0, 3 * DAY, CONFIG, { districtId: 'tianhe' })).toEqual(store.read(0, 3 * DAY, CONFIG, { districtId: 'tianhe' }));
    await store.close();
    db.close();
  });

  it('a read the worker did not answer (stopped, or could not start) is done in line instead', async () => {
    const { db, store } = filledStore('meta3.db');
    let inline = 0;
    const reader = createPartialsReader(db, { read: (...args) => (inline++, store.read(...args)) });
    const pending = reader.read(0, 3 * DAY, CONFIG, { districtId: 'yuexiu' });
    await reader.close(); // terminates the worker while it is still loading: long before it can answer
    expect(await pending).toEqual(store.read(0, 3 * DAY, CONFIG, { districtId: 'yuexiu' }));
    expect(inline).toBe(1);
    db.close();
  });

  it('an in-memory database is read in line', async () => {
    const db = openDatabase(':memory:');
    await expect(createPartialsReader(db, neverInline).read(0, DAY, CONFIG)).rejects.toThrow('read on the event loop');
  });
});
