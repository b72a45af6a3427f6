/**
 * An alert publisher: receives every transition event exactly once, in event order (lifecycle.ts dispatches
 * serially). Registered as an explicit list in the composition root (STYLE.md principle 11): adding a channel
 * is one file plus one line. `publish` resolves when the event is handed off durably enough for this channel
 * (MQTT: PUBACK; InfluxDB: 204; webhook: queued) and rejects when it is lost for this channel.
 */
import type { AlertEvent } from '../../../contracts/alert.ts';

export interface AlertPublisher {
  /** Stable name for logs and metrics: `mqtt`, `influx`, `webhook`. */
  readonly name: string;
  publish(event: AlertEvent): Promise<void>;
}
