import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RuleError, type RuleErrorCode } from './errors.ts';
import { BUILTIN_PACKS_DIR, loadPacks } from './load-packs.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dirWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'vw-packs-'));
  dirs.push(dir);
  for (const [name, doc] of Object.entries(files)) writeFileSync(join(dir, name), typeof doc === 'string' ? doc : JSON.stringify(doc));
  return dir;
}
const builtin = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(BUILTIN_PACKS_DIR, file), 'utf8'));

function loadError(fn: () => unknown): RuleError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RuleError) return err;
    throw err;
  }
  throw new Error('expected a RuleError');
}
const expectCode = (err: RuleError, code: RuleErrorCode) => expect(err.code).toBe(code);

const override = (extra: Record<string, unknown>) => ({
  type: 'override',
  id: 'shenzhen-2024',
  extends: 'gbt-27770-2011',
  title: { zh: '深圳市更严格限值', en: 'Shenzhen stricter limits' },
  version: '2024.1',
  ...extra,
});

describe('loadPacks: built-in packs', () => {
  it('loads one pack per standard, each with a status and a title in both languages', () => {
    const set = loadPacks();
    expect([...set.packs.keys()].sort()).toEqual([
      'bin-policy', 'dengue-aedes-bands', 'gb-5749-2022', 'gbt-27770-2011', 'gbt-27771-2011', 'gbt-27772-2011', 'gbt-27773-2011',
    ]);
    for (const v of ['rodent', 'mosquito', 'fly', 'cockroach'] as const) expect(set.densityPack(v).vector).toBe(v);
  });

  it('counts the sub-indicators of standards.md §2.2–2.5: rodents 3, mosquitoes 4, flies 5, cockroaches 6', () => {
    const set = loadPacks();
    const surveyCount = (v: 'rodent' | 'mosquito' | 'fly' | 'cockroach') =>
      set.densityPack(v).indicators.filter((i) => i.measuredBy === 'survey').length;
    expect([surveyCount('rodent'), surveyCount('mosquito'), surveyCount('fly'), surveyCount('cockroach')]).toEqual([3, 4, 5, 6]);
  });

  it('the flies pack says GB/T 27772-2025 supersedes it and its values are pending', () => {
    const flies = loadPacks().densityPack('fly');
    expect(flies).toMatchObject({ status: 'superseded', supersededBy: 'GB/T 27772-2025' });
    expect(flies.notes?.en).toMatch(/2025-11-01.*pending/s);
  });

  it('sensor proxies without a published limit carry none and say they are not graded', () => {
    const set = loadPacks();
    const proxies = (['rodent', 'mosquito', 'fly', 'cockroach'] as const).flatMap((v) =>
      set.densityPack(v).indicators.filter((i) => i.measuredBy === 'sensor'),
    );
    expect(proxies.map((p) => p.id).sort()).toEqual([
      'light-trap-index', 'station-positive-rate-indoor', 'station-positive-rate-outdoor', 'sticky-count-per-trap',
      'sticky-count-per-trap', 'sticky-positive-rate', 'sticky-positive-rate', 'trap-night-density',
    ]);
    for (const p of proxies) {
      expect(p.limits).toBeNull();
      expect(p.notes?.en).toMatch(/reported, not graded/i);
    }
  });
});

describe('loadPacks: errors name the file, the pack, the indicator and the JSON path', () => {
  it('a missing limit', () => {
    const pack = builtin('gbt-27770-2011.json') as { indicators: { limits: Record<string, number> }[] };
    delete pack.indicators[0]?.limits.B;
    const dir = dirWith({ 'rodents.json': pack });
    const err = loadError(() => loadPacks({ builtinDir: dir }));
    expectCode(err, 'RULE_PACK_INVALID');
    expect(err.message).toContain('rodents.json');
    expect(err.message).toContain("pack 'gbt-27770-2011', indicator 'indoor-sign-rate' at $.indicators[0].limits.B: missing limit B");
  });

  it('an unknown key', () => {
    const pack = builtin('gbt-27773-2011.json') as { indicators: Record<string, unknown>[] };
    (pack.indicators[3] as Record<string, unknown>).threshold = 4;
    const err = loadError(() => loadPacks({ builtinDir: dirWith({ 'x.json': pack }) }));
    expectCode(err, 'RULE_PACK_INVALID');
    expect(err.message).toMatch(/indicator 'ootheca-rate' at \$\.indicators\[3\]: .*'threshold'/);
  });

  it('limits out of order', () => {
    const pack = builtin('gbt-27771-2011.json') as { indicators: { limits: Record<string, number> }[] };
    (pack.indicators[1] as { limits: Record<string, number> }).limits = { A: 5, B: 3, C: 1 };
    const err = loadError(() => loadPacks({ builtinDir: dirWith({ 'x.json': pack }) }));
    expect(err.message).toMatch(/indicator 'dip-index' at \$\.indicators\[1\]\.limits: limits must satisfy A ≤ B ≤ C/);
  });

  it('a proxy pointing at an unknown indicator', () => {
    const pack = builtin('gbt-27772-2011.json') as { indicators: Record<string, unknown>[] };
    (pack.indicators[5] as Record<string, unknown>).proxyFor = 'room-rate';
    const err = loadError(() => loadPacks({ builtinDir: dirWith({ 'x.json': pack }) }));
    expect(err.message).toContain("$.indicators[5].proxyFor: unknown indicator 'room-rate'");
  });

  it('a survey indicator without limits', () => {
    const pack = builtin('gbt-27770-2011.json') as { indicators: Record<string, unknown>[] };
    (pack.indicators[2] as Record<string, unknown>).limits = null;
    const err = loadError(() => loadPacks({ builtinDir: dirWith({ 'x.json': pack }) }));
    expect(err.message).toContain('only sensor proxies may omit limits');
  });

  it('a file that is not JSON', () => {
    const err = loadError(() => loadPacks({ localDir: dirWith({ 'broken.json': '{"type": ' }) }));
    expectCode(err, 'RULE_PACK_UNREADABLE');
    expect(err.message).toContain('broken.json');
  });

  it('an override of an indicator the base pack does not have', () => {
    const dir = dirWith({
      'sz.json': override({ indicators: [{ id: 'talc-rate', limits: { A: 1, B: 2, C: 3 }, source: ['local:深圳'], confidence: 'V1' }] }),
    });
    const err = loadError(() => loadPacks({ localDir: dir }));
    expectCode(err, 'RULE_PACK_UNKNOWN_INDICATOR');
    expect(err.message).toContain("sz.json: override 'shenzhen-2024' at $.indicators[0].id: pack 'gbt-27770-2011' has no indicator 'talc-rate'");
  });

  it('an override of a pack that is not loaded', () => {
    const err = loadError(() => loadPacks({ localDir: dirWith({ 'sz.json': override({ extends: 'gbt-99999-2030' }) }) }));
    expectCode(err, 'RULE_PACK_UNKNOWN_BASE');
  });

  it('an override that changes what its base pack does not have', () => {
    const err = loadError(() => loadPacks({ localDir: dirWith({ 'sz.json': override({ inclusivity: 'upper' }) }) }));
    expectCode(err, 'RULE_PACK_OVERRIDE_MISMATCH');
  });

  it('a local pack reusing a built-in id', () => {
    const err = loadError(() => loadPacks({ localDir: dirWith({ 'copy.json': builtin('gbt-27770-2011.json') }) }));
    expectCode(err, 'RULE_PACK_DUPLICATE');
    expect(err.message).toContain('override');
  });
});

describe('loadPacks: local packs', () => {
  it('an override applies a city’s stricter limits with its own source, and records itself', () => {
    const dir = dirWith({
      'sz.json': override({
        indicators: [{ id: 'indoor-sign-rate', limits: { A: 0.5, B: 2, C: 3 }, source: ['local:深圳市爱卫办2024'], confidence: 'V1' }],
      }),
    });
    const set = loadPacks({ localDir: dir });
    const rodents = set.densityPack('rodent');
    const ind = rodents.indicators.find((i) => i.id === 'indoor-sign-rate');
    expect(ind).toMatchObject({ limits: { A: 0.5, B: 2, C: 3 }, source: ['local:深圳市爱卫办2024'], comparison: 'le' });
    expect(rodents.version).toBe('2011.1+shenzhen-2024.2024.1');
    expect(set.packs.get('gbt-27770-2011')?.overrides).toEqual([{ id: 'shenzhen-2024', version: '2024.1', file: join(dir, 'sz.json') }]);
    // Untouched indicators keep the national values.
    expect(rodents.indicators.find((i) => i.id === 'outdoor-path-index')?.limits).toEqual({ A: 1, B: 3, C: 5 });
  });

  it('an override can give a sensor proxy limits and add an indicator', () => {
    const pack = builtin('gbt-27770-2011.json') as { indicators: Record<string, unknown>[] };
    const added = { ...(pack.indicators[0] as Record<string, unknown>), id: 'talc-positive-rate', source: ['S28'], confidence: 'V1' };
    const dir = dirWith({
      'sz.json': override({
        indicators: [{ id: 'station-positive-rate-indoor', limits: { A: 2, B: 4, C: 6 }, source: ['local:深圳'], confidence: 'EST' }],
        addIndicators: [added],
      }),
    });
    const rodents = loadPacks({ localDir: dir }).densityPack('rodent');
    expect(rodents.indicators.find((i) => i.id === 'station-positive-rate-indoor')?.limits).toEqual({ A: 2, B: 4, C: 6 });
    expect(rodents.indicators.map((i) => i.id)).toContain('talc-positive-rate');
  });

  it('an override that would break the pack is refused as a whole', () => {
    const dir = dirWith({
      'sz.json': override({ indicators: [{ id: 'indoor-sign-rate', limits: null, source: ['local:x'], confidence: 'EST' }] }),
    });
    const err = loadError(() => loadPacks({ localDir: dir }));
    expectCode(err, 'RULE_PACK_INVALID');
    expect(err.message).toContain("override 'shenzhen-2024' applied to 'gbt-27770-2011'");
  });

  it('a band override switches inclusivity; a policy override tunes one threshold', () => {
    const dir = dirWith({
      'a.json': override({ id: 'panyu', extends: 'dengue-aedes-bands', inclusivity: 'upper' }),
      'b.json': override({
        id: 'ops',
        extends: 'bin-policy',
        rules: { fullPct: { value: 80, unit: '%', comparison: 'ge', source: ['operator:2025-ops'], confidence: 'EST' } },
      }),
    });
    const set = loadPacks({ localDir: dir });
    const bands = set.get('dengue-aedes-bands');
    const bins = set.get('bin-policy');
    expect(bands?.type === 'band' && bands.inclusivity).toBe('upper');
    expect(bins?.type === 'policy' && bins.rules.fullPct.value).toBe(80);
    expect(bins?.type === 'policy' && bins.rules.overflowPct.value).toBe(100);
  });

  it('a new local density pack for a vector beside a superseded one takes over grading', () => {
    const flies2025 = { ...builtin('gbt-27772-2011.json'), id: 'gbt-27772-2025', standard: 'GB/T 27772-2025', status: 'current' };
    delete (flies2025 as Record<string, unknown>).supersededBy;
    const set = loadPacks({ localDir: dirWith({ 'flies-2025.json': flies2025 }) });
    expect(set.densityPack('fly').id).toBe('gbt-27772-2025');
  });
});
