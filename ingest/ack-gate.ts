/**
 * Holds back mqtt.js' PUBACK for a received QoS 1 message until the application says the message is safe, without
 * holding back the reading of the next message.
 *
 * mqtt.js sends the PUBACK through the client's `_sendPacket` right after `handleMessage` calls back
 * (node_modules/mqtt/build/lib/handlers/publish.js, mqtt 5.x), and reads the next packet only then. The gate wraps
 * `_sendPacket` for `puback` packets of held messages: it completes mqtt.js' callback at once (so the next message is
 * read) and sends the packet when the message's `ack()` has been called — in the order the PUBLISHes arrived
 * [MQTT-4.6.0-2], so a slow message holds back the PUBACKs behind it. A PUBACK still held when the connection drops
 * is never sent on a later connection: the broker redelivers the message instead.
 *
 * It relies on a private method of mqtt.js (pinned in package.json; `ack-gate.test.ts` fails if it changes).
 */
import type { IPublishPacket, MqttClient, Packet } from 'mqtt';

type SendPacket = (packet: Packet, cb?: (err?: Error) => void, ...rest: unknown[]) => void;

export interface PubackGate {
  /** Registers a received message; the returned `ack` releases its PUBACK. Call from the 'message' handler. */
  hold(packet: IPublishPacket): () => void;
  /** PUBACKs currently held. */
  held(): number;
}

export function gatePubacks(client: MqttClient): PubackGate {
  const internals = client as unknown as { _sendPacket: SendPacket };
  const send = internals._sendPacket;
  if (typeof send !== 'function') throw new Error('mqtt.js has no _sendPacket: the PUBACK gate needs updating');
  /** messageId → when its PUBACK may go; set by `hold`, taken by the wrapped `_sendPacket`. */
  const gates = new Map<number, Promise<void>>();
  let order: Promise<void> = Promise.resolve();
  let connection = 0;
  let waiting = 0;
  client.on('close', () => {
    connection++;
    gates.clear();
    order = Promise.resolve(); // a message never acknowledged must not hold back the next connection's PUBACKs
  });

  internals._sendPacket = function gated(this: MqttClient, packet, cb, ...rest) {
    const messageId = (packet as { messageId?: number }).messageId;
    const gate = packet.cmd === 'puback' && messageId !== undefined ? gates.get(messageId) : undefined;
    if (gate === undefined) {
      send.call(this, packet, cb, ...rest);
      return;
    }
    gates.delete(messageId!);
    const sentOn = connection;
    waiting++;
    order = Promise.all([order, gate]).then(() => {
      waiting--;
      if (sentOn === connection && client.connected) send.call(client, packet);
    });
    cb?.();
  };

  return {
    hold(packet) {
      if (packet.qos !== 1 || packet.messageId === undefined) return () => undefined;
      let release!: () => void;
      gates.set(packet.messageId, new Promise<void>((resolve) => (release = resolve)));
      return () => release();
    },
    held: () => waiting,
  };
}
