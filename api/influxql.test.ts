import { describe, expect, it } from 'vitest';
import { chooseInterval, ident, scopeClause, str, and, timeRange } from './influxql.ts';

describe('InfluxQL helpers', () => {
  it('quotes identifiers and strings so a value cannot close the literal', () => {
    expect(ident('a"b')).toBe('"a\\"b"');
    expect(str("x' OR 1=1 --")).toBe("'x\\' OR 1=1 --'");
    expect(str('a\\')).toBe("'a\\\\'");
  });

  it('keeps a query inside the scope by tag', () => {
    expect(scopeClause({ all: true })).toBeNull();
    expect(scopeClause({ districtIds: ['yuexiu', 'tianhe'] })).toBe(`("district" = 'yuexiu' OR "district" = 'tianhe')`);
    expect(scopeClause({ districtIds: [] })).toBe('false');
    expect(scopeClause({ contractorId: 'jiean', siteIds: ['s1'], districtIds: ['d1'] })).toBe(`"contractor" = 'jiean'`);
  });

  it.each([
    [3600_000, '10s'],
    [24 * 3600_000, '5m'],
    [7 * 24 * 3600_000, '1h'],
    [90 * 24 * 3600_000, '6h'],
    [400 * 24 * 3600_000, '1d'],
    [20 * 365 * 24 * 3600_000, '7d'],
  ])('a range of %i ms is bucketed by %s', (range, interval) => {
    expect(chooseInterval(range)).toBe(interval);
  });

  it('joins conjuncts, skipping empty ones', () => {
    expect(and(timeRange(1000, 2000), null, `"site" = 'x'`)).toBe(`time >= 1000ms AND time <= 2000ms AND "site" = 'x'`);
  });
});
