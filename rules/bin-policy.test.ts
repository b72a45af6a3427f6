import { describe, expect, it } from 'vitest';
import type { PolicyPack } from '../contracts/rule-pack.ts';
import { binConditions, lateEmptyings, type FillPoint } from './bin-policy.ts';
import { RuleError } from './errors.ts';
import { loadPacks } from './load-packs.ts';

const { rules } = loadPacks().get('bin-policy') as PolicyPack;
const H = 3_600_000;
const T0 = Date.parse('2025-03-01T08:00:00+08:00');

describe('bin conditions from one reading', () => {
  it.each([
    [{ fillPct: 84.9 }, []],
    [{ fillPct: 85 }, ['full']],
    [{ fillPct: 99.9 }, ['full']],
    [{ fillPct: 100 }, ['overflow']],
    [{ fillPct: 50, tempC: 59.9 }, []],
    [{ fillPct: 50, tempC: 60 }, ['fire_risk']],
    [{ fillPct: 50, tilted: false }, []],
    [{ fillPct: 100, tempC: 75, tilted: true }, ['overflow', 'fire_risk', 'tilted']],
  ] as const)('%j → %j', (reading, expected) => {
    expect(binConditions(reading, rules).map((c) => c.condition)).toEqual(expected);
  });

  it('carries the value and the threshold', () => {
    expect(binConditions({ fillPct: 90 }, rules)).toEqual([{ condition: 'full', value: 90, threshold: 85 }]);
  });

  it('tilt alerts can be switched off by policy', () => {
    expect(binConditions({ fillPct: 10, tilted: true }, { ...rules, tilted: { ...rules.tilted, alert: false } })).toEqual([]);
  });
});

describe('not emptied within 24 h of turning full (日产日清)', () => {
  const series = (...pts: [number, number][]): FillPoint[] => pts.map(([h, fillPct]) => ({ tsMs: T0 + h * H, fillPct }));

  it.each([
    ['emptied after 23 h', series([0, 40], [1, 86], [24, 10]), 30, []],
    ['emptied at exactly 24 h', series([1, 86], [25, 10]), 30, []],
    ['emptied after 25 h', series([0, 86], [25, 10]), 30, [{ fullSinceMs: T0, emptiedAtMs: T0 + 25 * H, overdueMs: H }]],
    ['still full at now', series([0, 90], [10, 95]), 30, [{ fullSinceMs: T0, emptiedAtMs: null, overdueMs: 6 * H }]],
    ['full for 20 h at now', series([10, 90]), 30, []],
  ] as const)('%s', (_name, points, nowH, expected) => {
    expect(lateEmptyings(points, rules, T0 + nowH * H)).toEqual(expected);
  });

  it('a dip just below full is jitter, not an emptying (hysteresis)', () => {
    const points = series([0, 86], [5, 84], [6, 87], [26, 5]);
    expect(lateEmptyings(points, rules, T0 + 30 * H)).toEqual([{ fullSinceMs: T0, emptiedAtMs: T0 + 26 * H, overdueMs: 2 * H }]);
  });

  it('finds each late episode', () => {
    const points = series([0, 90], [30, 0], [40, 88], [41, 0], [50, 100], [80, 3]);
    expect(lateEmptyings(points, rules, T0 + 90 * H).map((e) => e.overdueMs / H)).toEqual([6, 6]);
  });

  it('refuses readings out of time order', () => {
    expect(() => lateEmptyings(series([5, 90], [1, 10]), rules, T0)).toThrow(RuleError);
  });
});
