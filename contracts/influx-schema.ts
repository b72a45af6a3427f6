/**
 * What lives in InfluxDB, for everyone who writes or reads it (ingest, rules, API readings, Grafana dashboards).
 * InfluxQL identifiers used by the dashboards and the API are checked against this list by tests, so a typo in a
 * field or tag name fails a test instead of leaving a panel blank.
 */
import { DEVICE_KINDS, type DeviceKind } from './telemetry.ts';

/** Tags every telemetry point carries (from the registry, never from the reading). */
export const TELEMETRY_TAGS = ['device', 'site', 'district', 'contractor'] as const;

/** One measurement per device kind, named after the kind; fields are the reading's values (see ingest/field-types.ts). */
export const TELEMETRY_MEASUREMENTS: readonly DeviceKind[] = DEVICE_KINDS;

/**
 * `indicator`: one point per evaluation of a vector-density indicator for a scope and period, written by the rules
 * engine. Numerator and denominator are kept (standards.md §9.1), never only the ratio.
 */
export const INDICATOR_MEASUREMENT = {
  name: 'indicator',
  tags: ['scope_level', 'scope', 'district', 'vector', 'indicator', 'period_kind', 'period', 'pack'] as const,
  fields: {
    value: 'float', numerator: 'float', denominator: 'float',
    /** float: km walked and trap-nights are fractional. */
    sample_size: 'float',
    limit_a: 'float', limit_b: 'float', limit_c: 'float', ratio_to_c: 'float',
    /**
     * 'A' | 'B' | 'C' | 'below_C' | 'no_data' | 'sample_too_small' | 'reported' | 'not_applicable'; for dengue band
     * indices (pack dengue-aedes-bands) the band id: 'control' | 'low' | 'medium' | 'high'.
     */
    level: 'string',
  },
} as const;

/** `alert_event`: one point per alert transition (rules/alerts/publishers/influx-events.ts). */
export const ALERT_EVENT_MEASUREMENT = {
  name: 'alert_event',
  tags: ['district', 'kind', 'severity', 'rule', 'transition'] as const,
  fields: { alertId: 'string', value: 'float', limit: 'float', count: 'integer', escalationLevel: 'integer', eventId: 'integer' },
} as const;

/**
 * `ingest_stats`: what ingest did with the readings it received, one point per (outcome, code) per reporting
 * interval with a non-zero count (a delta, not a running total), for the fleet-health dashboard. Written by ingest
 * (issue 5 asks for "rejected readings by code"; Prometheus `/metrics` has the same counters). `code` is a
 * rejection code (contracts/device-errors.ts) for `rejected`, and `none` otherwise.
 */
export const INGEST_STATS_MEASUREMENT = {
  name: 'ingest_stats',
  tags: ['instance', 'outcome', 'code'] as const,
  /** 'stored' | 'rejected' | 'duplicate' */
  outcomes: ['stored', 'rejected', 'duplicate'] as const,
  fields: { count: 'integer', intervalS: 'integer' },
} as const;
