import { describe, expect, it } from 'vitest';
import { BandIndexSchema, DensityPackSchema, LimitsSchema, SourceTagSchema } from './rule-pack.ts';

const indicator = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: { zh: '指标', en: 'indicator' },
  unit: '%',
  environment: 'indoor',
  measuredBy: 'survey',
  limits: { A: 1, B: 3, C: 5 },
  comparison: 'le',
  source: ['S3'],
  confidence: 'V1',
  formula: { numerator: { zh: '分子', en: 'num' }, denominator: { zh: '分母', en: 'den' }, scale: 100 },
  ...extra,
});
const pack = (indicators: unknown[]) => ({
  type: 'density',
  id: 'test-pack',
  standard: 'GB/T 0-0000',
  title: { zh: '测试', en: 'test' },
  version: '1',
  status: 'current',
  vector: 'rodent',
  indicators,
});

describe('rule-pack schema', () => {
  it('accepts a well-formed density pack', () => {
    expect(DensityPackSchema.safeParse(pack([indicator('ind-a'), indicator('ind-b', { formula: { ...indicator('ind-b').formula, perPositiveOf: 'ind-a' } })])).success).toBe(true);
  });

  it('names a missing limit', () => {
    const r = LimitsSchema.safeParse({ A: 1, C: 5 });
    expect(r.error?.issues).toMatchObject([{ path: ['B'], message: 'missing limit B' }]);
  });

  it('refuses duplicate indicator ids and unknown perPositiveOf references', () => {
    const r = DensityPackSchema.safeParse(
      pack([indicator('ind-a'), indicator('ind-a'), indicator('ind-c', { formula: { ...indicator('ind-c').formula, perPositiveOf: 'zz' } })]),
    );
    expect(r.error?.issues.map((i) => i.message)).toEqual(["duplicate indicator id 'ind-a'", "unknown indicator 'zz'"]);
  });

  it('refuses a limit-less indicator unless it is a sensor proxy', () => {
    expect(DensityPackSchema.safeParse(pack([indicator('ind-a', { limits: null })])).success).toBe(false);
    expect(DensityPackSchema.safeParse(pack([indicator('ind-a', { limits: null, measuredBy: 'sensor' })])).success).toBe(true);
  });

  it('band indices need one more band than cuts, in ascending order', () => {
    const base = {
      id: 'bi', name: { zh: 'BI', en: 'BI' }, unit: 'x', source: ['S33'], confidence: 'V2',
      formula: indicator('ind-a').formula,
      bands: ['a', 'b', 'c'].map((id) => ({ id: `band-${id}`, name: { zh: id, en: id }, colour: id })),
    };
    expect(BandIndexSchema.safeParse({ ...base, cuts: [5, 10] }).success).toBe(true);
    expect(BandIndexSchema.safeParse({ ...base, cuts: [5] }).success).toBe(false);
    expect(BandIndexSchema.safeParse({ ...base, cuts: [10, 5] }).success).toBe(false);
  });

  it.each([
    ['S3', true],
    ['S42b', true],
    ['local:深圳市爱卫办 2024', true],
    ['issue:3', true],
    ['s3', false],
    ['S', false],
    ['', false],
  ])('source tag %j valid: %s', (tag, ok) => {
    expect(SourceTagSchema.safeParse(tag).success).toBe(ok);
  });
});
