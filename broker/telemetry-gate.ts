/**
 * Embedded ingest's hook into the broker (INGEST_MODE=embedded, docs/durability.md): a device's telemetry PUBLISH is
 * handed to an injected `accept` function before aedes acknowledges it, so the device's PUBACK means "durable on
 * disk, or refused with a reason" — with no second MQTT hop in between.
 *
 * aedes sends the PUBACK of a QoS 1 PUBLISH only after `authorizePublish` has called back, and delivers the packet
 * to subscribers after that (node_modules/aedes/lib/handlers/publish.js: authorizePublish, then enqueuePublish).
 * It reads the next chunk of a client's socket only once every packet of the current one is handled
 * (lib/client.js `nextBatch`), so waiting here holds back that one device, while hundreds of devices waiting at once
 * share one spool fdatasync (group commit).
 *
 * The broker still parses no payload: it passes the bytes on. `accept` resolves
 * - `forward`: acknowledge and deliver to subscribers (rules, live view);
 * - `withhold`: acknowledge but deliver to nobody (ingest refused it and told the device why, or it is a
 *   duplicate), so subscribers only ever see valid readings, once;
 * and rejects when the reading could not be made durable: the connection is closed without a PUBACK
 * (MQTT 3.1.1 has no negative PUBACK [MQTT-3.3.5-2]) and the device sends it again after reconnecting.
 *
 * PUBACKs to one device leave in the order its PUBLISHes arrived [MQTT-4.6.0-2], even when a refusal is decided
 * before an earlier reading's fdatasync.
 */
import type { Aedes, Client, PublishPacket } from 'aedes';

export type TelemetryVerdict = 'forward' | 'withhold';

/** Decides one device's telemetry payload; see the module comment for what resolving and rejecting mean. */
export type AcceptTelemetry = (deviceId: string, topic: string, payload: Buffer) => Promise<TelemetryVerdict>;

type Done = (err: Error | null) => void;

/**
 * Returns `gate(client, deviceId, packet, done)`: call it instead of aedes' `authorizePublish` callback for a device's
 * telemetry that passed the ACL; `withhold` runs on the packet before aedes sees it again.
 */
export function createTelemetryGate(accept: AcceptTelemetry, withhold: (packet: PublishPacket) => void) {
  /**
   * Per client, its readings in arrival order, each with its outcome once decided (`null` = acknowledge); only the
   * decided prefix is released. A queue instead of a promise chain per reading: three promises fewer per reading.
   */
  const queues = new WeakMap<Client, Turn[]>();

  function release(queue: Turn[]): void {
    while (queue.length > 0 && queue[0]!.outcome !== undefined) {
      const turn = queue.shift()!;
      turn.done(turn.outcome!);
    }
  }

  return (client: Client, deviceId: string, packet: PublishPacket, done: Done): void => {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    let queue = queues.get(client);
    if (queue === undefined) queues.set(client, (queue = []));
    const turn: Turn = { outcome: undefined, done };
    queue.push(turn);
    const q = queue;
    let decided: Promise<TelemetryVerdict>;
    try {
      decided = accept(deviceId, packet.topic, payload);
    } catch (err) {
      decided = Promise.reject(err);
    }
    decided.then(
      (verdict) => {
        if (verdict === 'withhold') withhold(packet);
        turn.outcome = null;
        release(q);
      },
      (err: unknown) => {
        turn.outcome = err instanceof Error ? err : new Error(String(err));
        release(q);
      },
    );
  };
}

interface Turn {
  /** `undefined` while undecided; `null` to acknowledge; an Error to close the connection unacknowledged. */
  outcome: Error | null | undefined;
  done: Done;
}

/** Publishes from the broker itself (QoS 1, not retained), e.g. embedded ingest's refusals on `devices/{id}/errors`. */
export function publishFromBroker(aedes: Aedes, topic: string, payload: string): Promise<void> {
  return new Promise((resolve, reject) => {
    aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (err) =>
      err ? reject(err) : resolve(),
    );
  });
}
