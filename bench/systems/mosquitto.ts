/**
 * Mosquitto (Debian package `mosquitto`) as a peer broker, tuned for QoS 1 throughput as mosquitto.conf(5) describes
 * its knobs: persistence off (nothing is written to disk), `set_tcp_nodelay true` (no Nagle delay on PUBACKs),
 * `max_inflight_messages 1000` (default 20: at most 20 unacknowledged QoS 1 messages to a subscriber at a time) and
 * `max_queued_messages` left at its default 1000 (the manual calls 0, unlimited, "not recommended"). Anonymous access
 * on loopback only.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { freePort } from '../../platform/influxd.ts';
import { startChild, waitFor, type Child } from './child.ts';

export const MOSQUITTO_BINARY = '/usr/sbin/mosquitto';

export const MOSQUITTO_TUNING: Readonly<Record<string, string>> = {
  persistence: 'false',
  set_tcp_nodelay: 'true',
  max_inflight_messages: '1000',
  max_queued_messages: '1000',
  max_connections: '-1',
};

export interface RunningMosquitto {
  child: Child;
  url: string;
  config: string;
}

export async function startMosquitto(dir: string): Promise<RunningMosquitto> {
  if (!existsSync(MOSQUITTO_BINARY)) throw new Error('mosquitto not found: apt-get install -y mosquitto');
  const port = await freePort();
  const config = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    ...Object.entries(MOSQUITTO_TUNING).map(([k, v]) => `${k} ${v}`),
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    '',
  ].join('\n');
  const path = join(dir, 'mosquitto.conf');
  writeFileSync(path, config);
  const child = startChild('mosquitto', MOSQUITTO_BINARY, ['-c', path]);
  await waitFor(() => new Promise<boolean>((res) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.destroy();
      res(true);
    });
    s.on('error', () => res(false));
  }), 10_000, 'mosquitto to listen', child);
  return { child, url: `mqtt://127.0.0.1:${port}`, config };
}
