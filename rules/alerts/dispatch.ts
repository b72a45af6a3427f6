/**
 * Hands transition events to the publishers, one event at a time in event order, each event to every
 * publisher once. An event is marked dispatched in the store when every publisher has settled, so events
 * committed just before a crash are redelivered at the next start (`redeliver`): at-least-once across crashes,
 * exactly once otherwise. Publishers are idempotent on `eventId` (retained state, deterministic Influx point
 * time, webhook body id). A publisher that fails loses that event for its channel: logged at ERROR and counted;
 * the event itself stays in `alert_events`. With no publishers at all nothing is marked dispatched: another
 * process's `redeliver` sends those events.
 */
import type { AlertEvent } from '../../contracts/alert.ts';
import type { Logger } from '../../platform/logger.ts';
import type { AlertStore } from './alert-store.ts';
import type { AlertPublisher } from './publishers/publisher.ts';

export interface Dispatcher {
  /** Resolves when these events (and all queued before them) have reached every publisher. */
  dispatch(events: readonly AlertEvent[]): Promise<void>;
  /** Dispatches events a previous process committed but never finished dispatching. Returns how many. */
  redeliver(): Promise<number>;
  /** Resolves when nothing is queued. */
  idle(): Promise<void>;
  /** Publish failures per publisher name since start. */
  readonly failures: ReadonlyMap<string, number>;
}

export function createDispatcher(deps: {
  store: AlertStore;
  publishers: readonly AlertPublisher[];
  clock: () => number;
  logger: Logger;
}): Dispatcher {
  const log = deps.logger.child({ module: 'alert-dispatch' });
  const failures = new Map<string, number>();
  /** Ids handed to `dispatch` and not yet delivered: `redeliver` must not send them a second time. */
  const pending = new Set<number>();
  let tail: Promise<void> = Promise.resolve();

  async function deliver(event: AlertEvent): Promise<void> {
    if (deps.publishers.length === 0) {
      // A process without publishers (the API running alone) leaves its events in the outbox for the rules
      // service, whose periodic `redeliver` publishes them.
      pending.delete(event.eventId);
      return;
    }
    const results = await Promise.allSettled(deps.publishers.map((p) => p.publish(event)));
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') return;
      const name = deps.publishers[i]?.name ?? String(i);
      failures.set(name, (failures.get(name) ?? 0) + 1);
      log.error({ err: r.reason, publisher: name, eventId: event.eventId, alertId: event.alert.id, transition: event.transition }, 'alert event not published');
    });
    deps.store.markDispatched(event.eventId, deps.clock());
    pending.delete(event.eventId);
  }

  function enqueue(run: () => Promise<void>): Promise<void> {
    const next = tail.then(run);
    tail = next.catch(() => undefined);
    return next;
  }

  return {
    failures,
    dispatch: (events) => {
      for (const e of events) pending.add(e.eventId);
      return enqueue(async () => {
        for (const e of events) await deliver(e);
      });
    },
    redeliver: () => {
      let count = 0;
      return enqueue(async () => {
        let after = 0;
        for (;;) {
          const batch = deps.store.undispatched(after, 100);
          const last = batch.at(-1);
          if (last === undefined) break;
          after = last.eventId;
          for (const e of batch) {
            if (pending.has(e.eventId)) continue;
            await deliver(e);
            count += 1;
          }
        }
      }).then(() => {
        if (count > 0) log.info({ count }, 'redelivered alert events left undispatched by the previous run');
        return count;
      });
    },
    idle: () => tail,
  };
}
