/**
 * Pure helpers that build the InfluxQL the API runs: quoting, the tenancy clause (by the `district` and
 * `contractor` tags ingest writes from the registry, ingest/to-point.ts) and the bucket width for long ranges.
 */
import type { ScopeFilter } from './access.ts';

/** A double-quoted identifier (InfluxQL spec, "Identifiers"). */
export const ident = (name: string): string => `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
/** A single-quoted string literal (InfluxQL spec, "Strings"). */
export const str = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const anyOf = (tag: string, values: readonly string[]): string =>
  values.length === 0 ? 'false' : `(${values.map((v) => `${ident(tag)} = ${str(v)}`).join(' OR ')})`;

/** The WHERE conjunct that keeps a query inside the caller's scope; null for an unrestricted caller. */
export function scopeClause(scope: ScopeFilter): string | null {
  if ('all' in scope) return null;
  if ('contractorId' in scope) return `${ident('contractor')} = ${str(scope.contractorId)}`;
  return anyOf('district', scope.districtIds);
}

/** Bucket widths, narrowest first, as InfluxQL durations with their length. */
export const INTERVALS: readonly (readonly [string, number])[] = [
  ['10s', 10_000], ['1m', 60_000], ['5m', 300_000], ['15m', 900_000], ['1h', 3_600_000], ['3h', 10_800_000],
  ['6h', 21_600_000], ['1d', 86_400_000], ['7d', 604_800_000],
];

/** At most this many buckets per series: enough for a chart, small enough for a phone. */
export const MAX_BUCKETS = 500;

/** The narrowest interval that keeps a range within MAX_BUCKETS. */
export function chooseInterval(rangeMs: number): string {
  for (const [name, ms] of INTERVALS) if (rangeMs / ms <= MAX_BUCKETS) return name;
  return '7d';
}

/** `time >= …ms AND time <= …ms` */
export const timeRange = (fromMs: number, toMs: number): string => `time >= ${Math.floor(fromMs)}ms AND time <= ${Math.floor(toMs)}ms`;

export const and = (...clauses: (string | null | undefined)[]): string => clauses.filter((c): c is string => !!c).join(' AND ');
