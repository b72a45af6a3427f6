/** Closing a service's MQTT client without hanging a shutdown. */
import type { MqttClient } from 'mqtt';

/** How long a graceful DISCONNECT may wait for in-flight acknowledgements before the socket is dropped. */
export const END_GRACE_MS = 5_000;

/** Sends DISCONNECT after in-flight work (so the broker keeps the persistent session), bounded by `graceMs`. */
export async function endGracefully(client: MqttClient, graceMs = END_GRACE_MS): Promise<void> {
  if (client.connected) {
    const grace = setTimeout(() => client.end(true), graceMs);
    await client.endAsync(false).catch(() => undefined);
    clearTimeout(grace);
  } else {
    await client.endAsync(true).catch(() => undefined);
  }
}
