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
}

/**
 * Registers the ingest metrics, or returns the ones already on `registry`: a composition root may stop and
 * start ingest in one process (counters then keep counting, as Prometheus expects of a live process).
 */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
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
  };
  // Start every known series at 0 so rate() and alerts see them before the first event.
  for (const kind of DEVICE_KINDS) metrics.stored.inc({ kind }, 0);
  const codes: DeadLetterCode[] = [...(Object.keys(REJECTION_CODES) as DeadLetterCode[]), 'STORE_REJECTED'];
  for (const code of codes) metrics.rejected.inc({ code }, 0);
  const reasons: IgnoredReason[] = ['WRONG_TOPIC', 'INTERNAL_ERROR'];
  for (const reason of reasons) metrics.ignored.inc({ reason }, 0);
  return metrics;
}
