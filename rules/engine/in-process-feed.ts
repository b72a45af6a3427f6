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

/**
 * The engine's reading handler. A handler that finishes synchronously returns nothing: the feed then needs no promise
 * per reading (the device rules commit their transitions synchronously, device-monitor.ts).
 */
export type TelemetryHandler = (topic: string, payload: Buffer) => Promise<void> | void;

export interface TelemetryFeed {
  /**
   * Hands a reading to the engine without waiting for it: when no reading waits before it, the handler runs on it at
   * once (as it always did for the first of a backlog) and only its asynchronous part, if any, continues later.
   */
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
  /** A handler call is on the stack (a handler that pushes must not run the next reading inside itself). */
  let inHand = false;
  let dropped = 0;

  const failed = (err: unknown, topic: string) => opts.logger.error({ err, topic }, 'device rules failed on a reading');

  /** Runs the handler on one reading; returns a promise only if the handler went asynchronous. Never throws. */
  function deliver(h: TelemetryHandler, topic: string, payload: Buffer): Promise<void> | undefined {
    inHand = true;
    try {
      const pending = h(topic, payload);
      return pending === undefined ? undefined : pending.catch((err: unknown) => failed(err, topic));
    } catch (err) {
      failed(err, topic);
      return undefined;
    } finally {
      inHand = false;
    }
  }

  async function drain(first: Promise<void> | undefined): Promise<void> {
    // Without `first` the first reading goes to the handler at once, unless the handler itself pushed it.
    if (first !== undefined || inHand) await first;
    while (handler && head < queue.length) {
      const [topic, payload] = queue[head]!;
      queue[head++] = undefined as never;
      await deliver(handler, topic, payload);
      if (head > 1024 && head * 2 > queue.length) queue.splice(0, head), (head = 0);
    }
  }
  /** Starts draining the queue, after `first` (a handler still working on an earlier reading) if given. */
  const kick = (first?: Promise<void>) => {
    if (first === undefined && (!handler || draining || head === queue.length)) return;
    // `finally` runs after the assignment even when drain() finds nothing to do and returns at once.
    draining = drain(first).finally(() => {
      draining = undefined;
      if (handler && head < queue.length) kick(); // pushed between the loop's last check and now
    });
  };

  return {
    push(topic, payload) {
      // Nothing waiting and nothing in hand (the usual case in a running stack): the reading goes to the handler at
      // once, in order, as drain() would do for it, and without a promise when the handler is synchronous.
      if (handler && !draining && !inHand && head === queue.length) {
        const pending = deliver(handler, topic, payload);
        if (pending !== undefined) kick(pending); // readings pushed meanwhile wait for it
        return;
      }
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
