import { describe, expect, it } from 'vitest';
import type { RangePack } from '../contracts/rule-pack.ts';
import { loadPacks } from './load-packs.ts';
import { checkWater, type SamplingPoint, type WaterValues } from './water-limits.ts';

const pack = loadPacks().get('gb-5749-2022') as RangePack;
const GOOD = { ph: 7.2, turbidityNtu: 0.3, freeChlorineMgL: 0.5 };
const breaches = (r: WaterValues, at: SamplingPoint = 'tap') =>
  checkWater(pack, { ...GOOD, ...r }, at).map((b) => `${b.parameterId} ${b.rule} ${b.direction} ${b.limit}`);

describe('GB 5749-2022 check of one reading (standards.md §6)', () => {
  it.each([
    // reading, sampling point, breaches
    [{ freeChlorineMgL: 0.2 }, 'finished', ['free-chlorine residual_min below 0.3']],
    [{ freeChlorineMgL: 0.3 }, 'finished', []],
    [{ freeChlorineMgL: 0.2 }, 'tap', []],
    [{ freeChlorineMgL: 0.2 }, 'secondary', []],
    [{ freeChlorineMgL: 0.05 }, 'tap', []],
    [{ freeChlorineMgL: 0.04 }, 'tap', ['free-chlorine residual_min below 0.05']],
    [{ freeChlorineMgL: 0.04 }, 'secondary', ['free-chlorine residual_min below 0.05']],
    [{ freeChlorineMgL: 2 }, 'finished', []],
    [{ freeChlorineMgL: 2.5 }, 'finished', ['free-chlorine max above 2']],
    [{ freeChlorineMgL: 2.5 }, 'tap', ['free-chlorine max above 2']],
    [{ ph: 6.4 }, 'tap', ['ph min below 6.5']],
    [{ ph: 6.5 }, 'tap', []],
    [{ ph: 8.5 }, 'tap', []],
    [{ ph: 8.6 }, 'tap', ['ph max above 8.5']],
    [{ turbidityNtu: 1.0 }, 'tap', []],
    [{ turbidityNtu: 1.01 }, 'tap', ['turbidity max above 1']],
  ] as [WaterValues, SamplingPoint, string[]][])('%j at %s → %j', (reading, at, expected) => {
    expect(breaches(reading, at)).toEqual(expected);
  });

  it('reports the value, limit and direction of each breach', () => {
    expect(checkWater(pack, { ph: 9, turbidityNtu: 2, freeChlorineMgL: 0.1 }, 'finished')).toEqual([
      { parameterId: 'ph', field: 'ph', value: 9, limit: 8.5, inclusive: true, direction: 'above', rule: 'max', samplingPoint: 'finished' },
      { parameterId: 'turbidity', field: 'turbidityNtu', value: 2, limit: 1, inclusive: true, direction: 'above', rule: 'max', samplingPoint: 'finished' },
      {
        parameterId: 'free-chlorine', field: 'freeChlorineMgL', value: 0.1, limit: 0.3, inclusive: true,
        direction: 'below', rule: 'residual_min', samplingPoint: 'finished',
      },
    ]);
  });

  it('total chlorine is checked only under chloramine disinfection, and then free chlorine is not', () => {
    const reading = { ...GOOD, freeChlorineMgL: 0, totalChlorineMgL: 3.2 };
    expect(checkWater(pack, reading, 'tap').map((b) => b.parameterId)).toEqual(['free-chlorine']);
    expect(checkWater(pack, reading, 'tap', 'chloramine').map((b) => `${b.parameterId} ${b.rule}`)).toEqual(['total-chlorine max']);
  });

  it('skips fields the probe did not report', () => {
    expect(checkWater(pack, { ph: 7 }, 'tap')).toEqual([]);
  });
});
