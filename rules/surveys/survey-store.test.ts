import { describe, expect, it } from 'vitest';
import type { SurveyInput } from '../../contracts/survey.ts';
import { openDatabase } from '../../platform/sqlite.ts';
import { computeIndices } from '../indices.ts';
import { loadPacks } from '../load-packs.ts';
import { createSurveyStore, toSurveyRecord } from './survey-store.ts';

const at = (iso: string) => Date.parse(iso);
const rooms = (surveyedAt: string, siteId: string | undefined, roomsWithSigns: number): SurveyInput => ({
  kind: 'rodent_rooms', districtId: 'yuexiu', ...(siteId ? { siteId } : {}), surveyedAt, roomsChecked: 100, roomsWithSigns,
});

describe('survey store', () => {
  it('stores, lists newest first with filters, and cuts a time range half-open', () => {
    let n = 0;
    const store = createSurveyStore(openDatabase(':memory:'), { newId: () => `s${++n}` });
    const a = store.add(rooms('2026-11-01T09:00:00+08:00', 'yx-market-dongshan', 2), { createdBy: 'user:zhang', atMs: at('2026-11-01T12:00:00Z') });
    store.add(rooms('2026-11-15T09:00:00+08:00', undefined, 6), { createdBy: 'user:li', atMs: at('2026-11-15T12:00:00Z') });
    store.add({ kind: 'breteau', districtId: 'tianhe', surveyedAt: '2026-12-01T00:00:00+08:00', households: 100, positiveContainers: 8 }, { createdBy: 'user:li', atMs: 0 });
    expect(a).toMatchObject({ id: 's1', createdBy: 'user:zhang', createdAt: '2026-11-01T12:00:00.000Z' });
    expect(store.get('s1')).toEqual(a);
    expect(store.list().map((s) => s.id)).toEqual(['s3', 's2', 's1']);
    expect(store.list({ siteId: 'yx-market-dongshan' }).map((s) => s.id)).toEqual(['s1']);
    expect(store.list({ districtId: 'yuexiu', kind: 'rodent_rooms', limit: 1 }).map((s) => s.id)).toEqual(['s2']);
    // November in Asia/Shanghai: 2026-11-01T00:00+08:00 … 2026-12-01T00:00+08:00 (exclusive).
    const nov = store.inRange(at('2026-10-31T16:00:00Z'), at('2026-11-30T16:00:00Z'));
    expect(nov.map((s) => s.id)).toEqual(['s1', 's2']);
    expect(store.version()).toBe(3);
  });

  it('refuses an invalid survey and feeds the index calculators unchanged counts', () => {
    const store = createSurveyStore(openDatabase(':memory:'));
    expect(() => store.add(rooms('2026-11-01T09:00:00+08:00', undefined, 101), { createdBy: 'x', atMs: 0 })).toThrow(/roomsWithSigns/);
    const s = store.add(rooms('2026-11-01T09:00:00+08:00', undefined, 4), { createdBy: 'x', atMs: 0 });
    const pack = loadPacks().densityPack('rodent');
    const [v] = computeIndices(pack, { devices: [], surveys: [toSurveyRecord(s)] });
    expect(v).toMatchObject({ indicatorId: 'indoor-sign-rate', numerator: 4, denominator: 100, value: 4, evidence: { surveys: [s.id] } });
  });
});
