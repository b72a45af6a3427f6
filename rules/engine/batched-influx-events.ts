/**
 * `alert_event` points (rules/alerts/publishers/influx-events.ts line format) written in batches behind a queue, so
 * the dispatcher — which hands each event to every publisher and waits for all before the next — is not paced by
 * InfluxDB round trips. The latency-critical channel is MQTT (issue 3: a device alert within 2 s); the InfluxDB
 * history may trail by a flush interval. `publish` resolves once queued (like the webhook); a batch is retried with
 * capped backoff and abandoned only after `maxAttempts` or a 4xx refusal, logged at ERROR and counted. Either way the
 * event stays in the `alert_events` table. `close()` flushes (bounded by the attempts).
 */
import type { AlertEvent } from '../../contracts/alert.ts';
import { InfluxWriteError, type InfluxHttp } from '../../platform/influx-http.ts';
import type { Logger } from '../../platform/logger.ts';
import { alertEventLine } from '../alerts/publishers/influx-events.ts';
import type { AlertPublisher } from '../alerts/publishers/publisher.ts';

export interface BatchedInfluxEvents extends AlertPublisher {
  /** Writes what is queued now. */
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): { written: number; abandoned: number; queued: number };
}

export function createBatchedInfluxEventsPublisher(opts: {
  influx: Pick<InfluxHttp, 'write'>;
  logger: Logger;
  flushIntervalMs?: number;
  maxBatch?: number;
  maxAttempts?: number;
}): BatchedInfluxEvents {
  const log = opts.logger.child({ module: 'alert-influx-events' });
  const flushIntervalMs = opts.flushIntervalMs ?? 200;
  const maxBatch = opts.maxBatch ?? 1000;
  const maxAttempts = opts.maxAttempts ?? 5;
  let queue: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let written = 0;
  let abandoned = 0;

  async function writeBatch(lines: string[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await opts.influx.write(lines.join('\n'));
        written += lines.length;
        return;
      } catch (err) {
        const refused = err instanceof InfluxWriteError && err.failure === 'rejected';
        if (refused || attempt >= maxAttempts) {
          abandoned += lines.length;
          log.error({ err: (err as Error).message, points: lines.length, attempt }, 'alert_event points not written to InfluxDB (events remain in alert_events)');
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(10_000, 200 * 2 ** attempt)));
      }
    }
  }

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    running = running.then(async () => {
      while (queue.length > 0) {
        const lines = queue.slice(0, maxBatch);
        queue = queue.slice(lines.length);
        await writeBatch(lines);
      }
    });
    return running;
  }

  return {
    name: 'influx',
    async publish(event: AlertEvent) {
      queue.push(alertEventLine(event));
      if (queue.length >= maxBatch) void flush();
      else timer ??= setTimeout(() => void flush(), flushIntervalMs);
    },
    flush,
    close: flush,
    stats: () => ({ written, abandoned, queued: queue.length }),
  };
}
