/**
 * Telemetry for the rules engine without a second MQTT hop, when the engine runs in the broker's process
 * (`npm start`, INGEST_MODE=embedded): ingest pushes each reading it accepted (durable in the spool), the engine
 * takes them one at a time, in order. In one process the MQTT route adds no durability (aedes keeps sessions in the
 * same memory) but costs a QoS 1 round trip, persistence bookkeeping and a second parse per reading — the profile
 * of `npm run bench` showed it as the largest cost per reading. Readings pushed while the engine is stopped wait
 * (bounded) and are delivered when it starts again, as a persistent MQTT session would.
 *
 * Nor is the payload decoded twice: ingest marks the payload Buffer it validated with its reading
 * (contracts/telemetry-handoff.ts), and the engine's decode (decode-reading.ts) takes that reading over when it is
 * handed the same Buffer here.
 */
import type { Logger } from '../../platform/logger.ts';

export type TelemetryHandler = (topic: string, payload: Buffer) => Promise<void>;

export interface TelemetryFeed {
  /** Hands a reading to the engine; never blocks the caller. */
  push(topic: string, payload: Buffer): void;
  /** The engine's end: one handler at a time; `close` stops delivery and waits for the reading in hand. */
  subscribe(handler: TelemetryHandler): { close(): Promise<void> };
  /** Readings waiting for the engine. */
  backlog(): number;
}

export function createInProcessFeed(opts: { logger: Logger; maxBacklog?: number }): TelemetryFeed {
  const maxBacklog = opts.maxBacklog ?? 100_000;
  const queue: [string, Buffer][] = [];
  let head = 0;
  let handler: TelemetryHandler | undefined;
  let draining: Promise<void> | undefined;
  let dropped = 0;

  async function drain(): Promise<void> {
    while (handler && head < queue.length) {
      const [topic, payload] = queue[head]!;
      queue[head++] = undefined as never;
      try {
        await handler(topic, payload);
      } catch (err) {
        opts.logger.error({ err, topic }, 'device rules failed on a reading');
      }
      if (head > 1024 && head * 2 > queue.length) queue.splice(0, head), (head = 0);
    }
  }
  const kick = () => {
    if (!handler || draining) return;
    // `finally` runs after the assignment even when drain() finds nothing to do and returns at once.
    draining = drain().finally(() => {
      draining = undefined;
      if (handler && head < queue.length) kick(); // pushed between the loop's last check and now
    });
  };

  return {
    push(topic, payload) {
      if (queue.length - head >= maxBacklog) {
        if (dropped++ % 10_000 === 0) opts.logger.error({ maxBacklog, dropped }, 'rules engine is not keeping up: readings skipped by device rules (they are stored)');
        return;
      }
      queue.push([topic, payload]);
      kick();
    },
    subscribe(h) {
      handler = h;
      kick();
      return {
        async close() {
          if (handler === h) handler = undefined;
          await draining;
        },
      };
    },
    backlog: () => queue.length - head,
  };
}
