/**
 * Ingest counters (prom-client), registered on an injected Registry so tests and several services in one
 * process never collide on the global one. Every dropped reading lands in exactly one of `rejected_total{code}`
 * or `ignored_total{reason}` (STYLE principle 8); a retry is counted in `write_retries_total` and is not a drop.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { REJECTION_CODES } from '../contracts/device-errors.ts';
import { DEVICE_KINDS } from '../contracts/telemetry.ts';
import type { DeadLetterCode } from './dead-letters.ts';
import type { IgnoreReason } from './decode-telemetry.ts';
import type { SpoolStats } from './spool/spool.ts';

/** Drops that no device can be told about. */
export type IgnoredReason =
  | IgnoreReason
  /** a bug: an exception escaped a pipeline stage for this message (logged at ERROR) */
  | 'INTERNAL_ERROR';

export interface IngestMetrics {
  received: Counter;
  stored: Counter<'kind'>;
  rejected: Counter<'code'>;
  duplicates: Counter;
  writeRetries: Counter;
  batchLatency: Histogram;
  pendingPoints: Gauge;
  ignored: Counter<'reason'>;
  /** Readings durable in the spool (acknowledged to MQTT). */
  accepted: Counter;
  deadLettersSkipped: Counter;
  seqGaps: Counter;
  seqGapsFilled: Counter;
  spoolCommitSeconds: Histogram;
  /** Points the spool gauges at the live spool (or at nothing while ingest is stopped). */
  bindSpool(stats: (() => SpoolStats) | undefined): void;
}

/** Per registry, where the spool gauges read from (the gauges outlive one ingest when it is restarted). */
const spoolSources = new WeakMap<Registry, { stats: (() => SpoolStats) | undefined }>();

/**
 * Registers the ingest metrics, or returns the ones already on `registry`: a composition root may stop and
 * start ingest in one process (counters then keep counting, as Prometheus expects of a live process).
 */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  let source = spoolSources.get(registry);
  if (source === undefined) {
    source = { stats: undefined };
    spoolSources.set(registry, source);
  }
  const reuse = <M>(name: string, make: () => M): M => (registry.getSingleMetric(name) as M | undefined) ?? make();
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    reuse(name, () => new Counter<L>({ name, help, labelNames, registers }));

  const metrics: IngestMetrics = {
    received: counter('vectorwatch_ingest_received_total', 'MQTT telemetry messages received'),
    stored: counter('vectorwatch_ingest_stored_total', 'Readings acknowledged by InfluxDB, by device kind', ['kind']),
    rejected: counter(
      'vectorwatch_ingest_rejected_total',
      'Readings refused and dead-lettered, by code (device rejection codes and STORE_REJECTED)',
      ['code'],
    ),
    duplicates: counter('vectorwatch_ingest_duplicates_total', 'Redelivered readings (same device, seq and ts) not written again'),
    writeRetries: counter(
      'vectorwatch_ingest_write_retries_total',
      'InfluxDB batch writes retried after a retryable failure (not a drop)',
    ),
    batchLatency: reuse(
      'vectorwatch_ingest_batch_latency_seconds',
      () =>
        new Histogram({
          name: 'vectorwatch_ingest_batch_latency_seconds',
          help: 'Time from first sending a batch to InfluxDB acknowledging it, retries included',
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
          registers,
        }),
    ),
    pendingPoints: reuse(
      'vectorwatch_ingest_pending_points',
      () =>
        new Gauge({
          name: 'vectorwatch_ingest_pending_points',
          help: 'Points queued or in flight to InfluxDB, not yet acknowledged',
          registers,
        }),
    ),
    ignored: counter('vectorwatch_ingest_ignored_total', 'Messages dropped without a device to notify, by reason', ['reason']),
    accepted: counter('vectorwatch_ingest_accepted_total', 'Readings written to the spool and fdatasync\'d, then acknowledged to MQTT'),
    deadLettersSkipped: counter(
      'vectorwatch_ingest_dead_letters_skipped_total',
      'Refusals not written to the dead-letter store because their device exceeded its sample (still counted in rejected_total)',
    ),
    seqGaps: counter('vectorwatch_ingest_seq_gaps_total', 'Readings found missing from a device\'s seq sequence (a later seq arrived first)'),
    seqGapsFilled: counter('vectorwatch_ingest_seq_gaps_filled_total', 'Missing readings that arrived late and filled their gap'),
    spoolCommitSeconds: reuse(
      'vectorwatch_spool_commit_seconds',
      () =>
        new Histogram({
          name: 'vectorwatch_spool_commit_seconds',
          help: 'Group commit to the spool: write plus fdatasync',
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
          registers,
        }),
    ),
    bindSpool(stats) {
      source.stats = stats;
    },
  };
  const spoolGauge = (name: string, help: string, read: (s: SpoolStats) => number) =>
    reuse(name, () => new Gauge({ name, help, registers, collect() { const s = source.stats?.(); this.set(s ? read(s) : 0); } }));
  spoolGauge('vectorwatch_spool_bytes', 'Bytes in the spool not yet in InfluxDB (including appends waiting for their fdatasync)', (s) => s.bytes);
  spoolGauge('vectorwatch_spool_max_bytes', 'SPOOL_MAX_BYTES: past it, ingest stops acknowledging readings', (s) => s.maxBytes);
  spoolGauge('vectorwatch_spool_records_pending', 'Readings in the spool not yet in InfluxDB', (s) => s.records);
  spoolGauge('vectorwatch_spool_full', '1 while the spool is full and readings are held unacknowledged', (s) => (s.full ? 1 : 0));
  spoolGauge('vectorwatch_spool_failed', '1 after a spool write failed (ingest refuses readings until restarted)', (s) => (s.failed ? 1 : 0));
  // Start every known series at 0 so rate() and alerts see them before the first event.
  for (const kind of DEVICE_KINDS) metrics.stored.inc({ kind }, 0);
  const codes: DeadLetterCode[] = [...(Object.keys(REJECTION_CODES) as DeadLetterCode[]), 'STORE_REJECTED'];
  for (const code of codes) metrics.rejected.inc({ code }, 0);
  const reasons: IgnoredReason[] = ['WRONG_TOPIC', 'INTERNAL_ERROR'];
  for (const reason of reasons) metrics.ignored.inc({ reason }, 0);
  return metrics;
}
