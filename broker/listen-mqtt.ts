/**
 * Which MQTT listeners to open, from config, and opening them. The rule (docs/security.md, "Transport"):
 *
 * - TLS listeners (mqtts on MQTTS_PORT, wss on MQTT_WSS_PORT) run on MQTT_HOST whenever MQTT_TLS_CERT_FILE and
 *   MQTT_TLS_KEY_FILE are set.
 * - Plain MQTT runs on MQTT_HOST:MQTT_PORT when MQTT_HOST is a loopback address (the zero-config demo), or when
 *   MQTT_ALLOW_PLAIN=public says so explicitly.
 * - A public MQTT_HOST without MQTT_ALLOW_PLAIN=public keeps a plain listener on 127.0.0.1:MQTT_PORT only, for
 *   services on the same host (the in-process ingest), and needs TLS: without a certificate the start fails.
 */
import { isIP } from 'node:net';
import { ConfigError, type Config } from '../contracts/config.ts';
import type { Logger } from '../platform/logger.ts';
import type { VectorBroker } from './create-broker.ts';
import { listenBroker, type BrokerListener } from './listen.ts';
import { listenBrokerTls } from './listen-tls.ts';
import { listenBrokerWss } from './listen-wss.ts';
import { loadTlsOptions, type TlsFiles } from './tls.ts';

export type MqttListenConfig = Pick<
  Config,
  'MQTT_HOST' | 'MQTT_PORT' | 'MQTT_ALLOW_PLAIN' | 'MQTT_TLS_CERT_FILE' | 'MQTT_TLS_KEY_FILE' | 'MQTT_TLS_CA_FILE' | 'MQTTS_PORT' | 'MQTT_WSS_PORT' | 'MQTT_MAX_PACKET_BYTES'
>;

export interface MqttListenerPlan {
  plain: { host: string; port: number };
  tls?: { host: string; mqttsPort: number; wssPort: number; files: TlsFiles };
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || /^::ffff:127\./i.test(bare);
}

const invalid = (lines: string[]): ConfigError => new ConfigError(`Invalid configuration:\n${lines.map((l) => `  ${l}`).join('\n')}`);

export function planMqttListeners(config: MqttListenConfig): MqttListenerPlan {
  const { MQTT_TLS_CERT_FILE: certFile, MQTT_TLS_KEY_FILE: keyFile, MQTT_TLS_CA_FILE: caFile } = config;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw invalid([`${certFile === undefined ? 'MQTT_TLS_CERT_FILE' : 'MQTT_TLS_KEY_FILE'}: required together with ${certFile === undefined ? 'MQTT_TLS_KEY_FILE' : 'MQTT_TLS_CERT_FILE'}`]);
  }
  if (caFile !== undefined && certFile === undefined) {
    throw invalid(['MQTT_TLS_CA_FILE: needs MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE (the TLS listeners it applies to)']);
  }
  const tls =
    certFile !== undefined && keyFile !== undefined
      ? { host: config.MQTT_HOST, mqttsPort: config.MQTTS_PORT, wssPort: config.MQTT_WSS_PORT, files: { certFile, keyFile, caFile } }
      : undefined;
  const plainPublicly = isLoopbackHost(config.MQTT_HOST) || config.MQTT_ALLOW_PLAIN === 'public';
  if (!plainPublicly && tls === undefined) {
    throw invalid([
      `MQTT_HOST: ${JSON.stringify(config.MQTT_HOST)} is not a loopback address, and plain MQTT is served publicly only with MQTT_ALLOW_PLAIN=public;`,
      'set MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE for MQTT over TLS (docs/security.md)',
    ]);
  }
  const plain = { host: plainPublicly ? config.MQTT_HOST : '127.0.0.1', port: config.MQTT_PORT };
  return tls ? { plain, tls } : { plain };
}

export interface MqttListeners {
  plain: BrokerListener;
  mqtts?: BrokerListener | undefined;
  wss?: BrokerListener | undefined;
  /** Closes every listener (and the connections each accepted). */
  close(): Promise<void>;
}

export async function listenMqtt(broker: VectorBroker, config: MqttListenConfig, logger: Logger): Promise<MqttListeners> {
  const plan = planMqttListeners(config);
  const tlsOptions = plan.tls ? loadTlsOptions(plan.tls.files) : undefined;
  const opened: BrokerListener[] = [];
  const listeners: MqttListeners = {
    plain: undefined as unknown as BrokerListener,
    async close() {
      await Promise.all(opened.map((l) => l.close()));
    },
  };
  try {
    listeners.plain = await listenBroker(broker, plan.plain);
    opened.push(listeners.plain);
    if (plan.tls && tlsOptions) {
      listeners.mqtts = await listenBrokerTls(broker, { host: plan.tls.host, port: plan.tls.mqttsPort, tls: tlsOptions });
      opened.push(listeners.mqtts);
      listeners.wss = await listenBrokerWss(broker, {
        host: plan.tls.host,
        port: plan.tls.wssPort,
        tls: tlsOptions,
        maxPacketBytes: config.MQTT_MAX_PACKET_BYTES,
      });
      opened.push(listeners.wss);
    }
  } catch (err) {
    await listeners.close();
    throw err;
  }
  const log = logger.child({ module: 'broker' });
  if (!isLoopbackHost(plan.plain.host)) log.warn({ host: plan.plain.host, port: listeners.plain.port }, 'plain (unencrypted) MQTT is served publicly (MQTT_ALLOW_PLAIN=public)');
  if (plan.plain.host !== config.MQTT_HOST) log.info({ host: plan.plain.host, port: listeners.plain.port }, 'plain MQTT on loopback only; devices connect over TLS');
  return listeners;
}
