/**
 * Transport security: which listeners config opens (plain only on loopback unless explicitly allowed), MQTT over
 * TLS and over WebSocket+TLS with certificates generated for this run by `openssl`, mutual TLS with a CA file,
 * and the WebSocket message cap. Real sockets, real mqtt.js clients.
 */
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { ConfigError, loadConfig } from '../contracts/config.ts';
import { silentLogger } from '../platform/logger.ts';
import { createBroker, type VectorBroker } from './create-broker.ts';
import { createBrokerLimits } from './limits/broker-limits.ts';
import { brokerLimitsFromConfig } from './limits/limits-config.ts';
import { listenMqtt, planMqttListeners, type MqttListeners } from './listen-mqtt.ts';
import { generateTestCerts, type TestCerts } from './test-certs.ts';
import { testDevices } from './test-devices.ts';

const SERVICE_PASSWORD = 'service-secret-0123456789';
const devices = testDevices({ 'rs-001': { password: 'pw-rs-001', status: 'active' } });

let certs: TestCerts;
beforeAll(() => {
  certs = generateTestCerts();
});
afterAll(() => certs?.remove());

describe('which listeners run (planMqttListeners)', () => {
  const plan = (env: Record<string, string>) => planMqttListeners(loadConfig(env));
  const tlsEnv = () => ({ MQTT_TLS_CERT_FILE: certs.serverCertFile, MQTT_TLS_KEY_FILE: certs.serverKeyFile });

  it('zero config: plain MQTT on loopback, no TLS', () => {
    expect(plan({})).toEqual({ plain: { host: '127.0.0.1', port: 1883 } });
    expect(plan({ MQTT_HOST: '::1' }).plain.host).toBe('::1');
    expect(plan({ MQTT_HOST: 'localhost' }).plain.host).toBe('localhost');
  });

  it('a public host without TLS and without MQTT_ALLOW_PLAIN=public does not start', () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      expect(() => plan({ MQTT_HOST: host })).toThrow(ConfigError);
      expect(() => plan({ MQTT_HOST: host })).toThrow(/MQTT_HOST: .*MQTT_ALLOW_PLAIN=public/s);
    }
  });

  it('a public host with TLS serves TLS there and keeps plain MQTT on 127.0.0.1 for services on this host', () => {
    expect(plan({ MQTT_HOST: '0.0.0.0', ...tlsEnv() })).toMatchObject({
      plain: { host: '127.0.0.1', port: 1883 },
      tls: { host: '0.0.0.0', mqttsPort: 8883, wssPort: 8884 },
    });
  });

  it('MQTT_ALLOW_PLAIN=public serves plain MQTT on the public host, explicitly', () => {
    expect(plan({ MQTT_HOST: '0.0.0.0', MQTT_ALLOW_PLAIN: 'public' }).plain.host).toBe('0.0.0.0');
  });

  it('refuses half a TLS configuration, naming the missing key', () => {
    expect(() => plan({ MQTT_TLS_CERT_FILE: certs.serverCertFile })).toThrow(/MQTT_TLS_KEY_FILE: required/);
    expect(() => plan({ MQTT_TLS_KEY_FILE: certs.serverKeyFile })).toThrow(/MQTT_TLS_CERT_FILE: required/);
    expect(() => plan({ MQTT_TLS_CA_FILE: certs.caFile })).toThrow(/MQTT_TLS_CA_FILE:/);
  });

  it('an unreadable certificate file stops the start with the key named', async () => {
    const broker = await createBroker({ devices, servicePassword: SERVICE_PASSWORD, logger: silentLogger });
    const config = loadConfig({ MQTT_PORT: '0', MQTTS_PORT: '0', MQTT_WSS_PORT: '0', MQTT_TLS_CERT_FILE: '/nonexistent/cert.pem', MQTT_TLS_KEY_FILE: certs.serverKeyFile });
    await expect(listenMqtt(broker, config, silentLogger)).rejects.toThrow(/MQTT_TLS_CERT_FILE: cannot read/);
    await broker.close();
  });
});

/** A broker with limits from config and every listener the config asks for, on free ports. */
async function startListeners(env: Record<string, string>): Promise<{ broker: VectorBroker; listeners: MqttListeners }> {
  const config = loadConfig({ MQTT_PORT: '0', MQTTS_PORT: '0', MQTT_WSS_PORT: '0', ...env });
  const limits = createBrokerLimits(brokerLimitsFromConfig(config), { logger: silentLogger });
  const broker = await createBroker({ devices, servicePassword: SERVICE_PASSWORD, logger: silentLogger, limits });
  return { broker, listeners: await listenMqtt(broker, config, silentLogger) };
}

const device: IClientOptions = { clientId: 'rs-001', username: 'rs-001', password: 'pw-rs-001', protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000 };

/** Connects, publishes one reading at QoS 1 and checks a service on plain loopback MQTT received it. */
async function roundTrip(url: string, opts: IClientOptions, plainPort: number): Promise<void> {
  const ingest = await connectAsync(`mqtt://127.0.0.1:${plainPort}`, { clientId: 'svc:ingest-t', username: 'svc:ingest', password: SERVICE_PASSWORD, protocolVersion: 4, reconnectPeriod: 0 });
  const got: string[] = [];
  ingest.on('message', (_t, p) => got.push(p.toString()));
  await ingest.subscribeAsync('devices/+/telemetry', { qos: 1 });
  let dev: MqttClient | undefined;
  try {
    dev = await connectAsync(url, opts);
    await dev.publishAsync('devices/rs-001/telemetry', 'over tls', { qos: 1 });
    await expect.poll(() => got).toEqual(['over tls']);
  } finally {
    await dev?.endAsync(true);
    await ingest.endAsync(true);
  }
}

/** Fails unless the connection ends without a CONNACK (mqtt.js's connectAsync never settles on a bare close). */
async function refused(url: string, opts: IClientOptions): Promise<void> {
  const outcome = await new Promise<string>((resolve) => {
    const c = connect(url, { ...opts, connectTimeout: 3000 });
    const done = (what: string) => {
      c.end(true);
      resolve(what);
    };
    c.once('connect', () => done('connected'));
    c.once('error', () => done('refused'));
    c.once('close', () => done('refused'));
  });
  expect(outcome).toBe('refused');
}

describe('MQTT over TLS and over WebSocket+TLS', () => {
  let broker: VectorBroker;
  let listeners: MqttListeners;
  beforeAll(async () => {
    ({ broker, listeners } = await startListeners({ MQTT_TLS_CERT_FILE: certs.serverCertFile, MQTT_TLS_KEY_FILE: certs.serverKeyFile, MQTT_MAX_PACKET_BYTES: '4096' }));
  });
  afterAll(async () => {
    await listeners?.close();
    await broker?.close();
  });

  it('serves mqtts:// to a client that trusts the CA', async () => {
    await roundTrip(`mqtts://127.0.0.1:${listeners.mqtts!.port}`, { ...device, ca: certs.ca }, listeners.plain.port);
  });

  it('serves wss://…/mqtt to a client that trusts the CA', async () => {
    await roundTrip(`wss://127.0.0.1:${listeners.wss!.port}/mqtt`, { ...device, ca: certs.ca }, listeners.plain.port);
  });

  it('a client that does not trust the certificate cannot connect (no silent fallback)', async () => {
    await refused(`mqtts://127.0.0.1:${listeners.mqtts!.port}`, { ...device, ca: certs.otherCa });
    await refused(`wss://127.0.0.1:${listeners.wss!.port}/mqtt`, { ...device, ca: certs.otherCa });
  });

  it('plain MQTT spoken to the TLS port gets nothing and is dropped', async () => {
    await refused(`mqtt://127.0.0.1:${listeners.mqtts!.port}`, device);
  });

  it('the TLS listener applies the same authentication', async () => {
    let code: number | undefined;
    try {
      await connectAsync(`mqtts://127.0.0.1:${listeners.mqtts!.port}`, { ...device, password: 'wrong', ca: certs.ca });
    } catch (err) {
      code = (err as { code?: number }).code;
    }
    expect(code).toBe(4);
  });

  it('a WebSocket message above the packet limit closes the connection', async () => {
    const dev = await connectAsync(`wss://127.0.0.1:${listeners.wss!.port}/mqtt`, { ...device, ca: certs.ca });
    const gone = new Promise<void>((r) => dev.once('close', () => r()));
    dev.publish('devices/rs-001/telemetry', Buffer.alloc(8000, 0x61), { qos: 0 });
    await gone;
    await dev.endAsync(true);
  });

  it('other paths of the WebSocket port are not served', async () => {
    await refused(`wss://127.0.0.1:${listeners.wss!.port}/other`, { ...device, ca: certs.ca });
  });
});

describe('mutual TLS (MQTT_TLS_CA_FILE)', () => {
  let broker: VectorBroker;
  let listeners: MqttListeners;
  beforeAll(async () => {
    ({ broker, listeners } = await startListeners({ MQTT_TLS_CERT_FILE: certs.serverCertFile, MQTT_TLS_KEY_FILE: certs.serverKeyFile, MQTT_TLS_CA_FILE: certs.caFile }));
  });
  afterAll(async () => {
    await listeners?.close();
    await broker?.close();
  });

  it('accepts a client certificate signed by the CA, with the password', async () => {
    await roundTrip(`mqtts://127.0.0.1:${listeners.mqtts!.port}`, { ...device, ca: certs.ca, cert: certs.clientCert, key: certs.clientKey }, listeners.plain.port);
    await roundTrip(`wss://127.0.0.1:${listeners.wss!.port}/mqtt`, { ...device, ca: certs.ca, cert: certs.clientCert, key: certs.clientKey }, listeners.plain.port);
  });

  it('refuses a client without a certificate, or with one from another CA', async () => {
    const url = `mqtts://127.0.0.1:${listeners.mqtts!.port}`;
    await refused(url, { ...device, ca: certs.ca });
    await refused(url, { ...device, ca: certs.ca, cert: certs.otherClientCert, key: certs.otherClientKey });
    await refused(`wss://127.0.0.1:${listeners.wss!.port}/mqtt`, { ...device, ca: certs.ca });
  });
});

describe('the zero-config listener set', () => {
  it('is plain MQTT on loopback only: no TLS ports open', async () => {
    const { broker, listeners } = await startListeners({});
    try {
      expect(listeners.plain.host).toBe('127.0.0.1');
      expect(listeners.mqtts).toBeUndefined();
      expect(listeners.wss).toBeUndefined();
      const s = tcpConnect(listeners.plain.port, '127.0.0.1');
      await new Promise((r, j) => s.once('connect', r).once('error', j));
      s.destroy();
    } finally {
      await listeners.close();
      await broker.close();
    }
  });
});
