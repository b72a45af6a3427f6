/**
 * The broker alone: `node broker/main.ts`. Checks device credentials against the registry in DATA_DIR (shared
 * SQLite file, WAL) and needs MQTT_SERVICE_PASSWORD, the secret the other services log in with.
 *
 * With INGEST_MODE=embedded (the default) ingest runs inside this process, exactly as in `npm start`: a device's
 * PUBACK means the reading is fsync'd in DATA_DIR/spool or refused with a reason (docs/durability.md); INFLUX_URL
 * is then required. With INGEST_MODE=mqtt the broker only routes, and `node ingest/main.ts` workers consume.
 */
import { join, resolve } from 'node:path';
import { Registry as MetricsRegistry } from 'prom-client';
import { deviceTopic } from '../contracts/topics.ts';
import { createInfluxHttp } from '../platform/influx-http.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { requireServicePassword, runService } from '../platform/run-service.ts';
import { openRegistry } from '../registry/registry.ts';
import { startIngest } from '../ingest/start-ingest.ts';
import { createBroker } from './create-broker.ts';
import { listenMqtt } from './listen-mqtt.ts';
import { createBrokerLimits } from './limits/broker-limits.ts';
import { brokerLimitsFromConfig } from './limits/limits-config.ts';
import { publishFromBroker, type AcceptTelemetry } from './telemetry-gate.ts';

await runService('broker', async (config, logger) => {
  const servicePassword = requireServicePassword(config);
  const embedded = config.INGEST_MODE === 'embedded';
  if (embedded && !config.INFLUX_URL) throw new Error('INFLUX_URL: required when ingest is embedded in the broker (INGEST_MODE=embedded)');
  const db = openDatabase(join(resolve(config.DATA_DIR), 'vectorwatch.db'));
  const registry = openRegistry(db);
  const metrics = new MetricsRegistry();
  const limits = createBrokerLimits(brokerLimitsFromConfig(config), { logger, metrics });

  let ingest: Awaited<ReturnType<typeof startIngest>> | undefined;
  const acceptTelemetry: AcceptTelemetry = async (_deviceId, topic, payload) => {
    if (!ingest) throw new Error('ingest is not running'); // the device keeps the reading and sends it again
    return (await ingest.admit({ topic, payload, receivedAtMs: Date.now() })) === 'accepted' ? 'forward' : 'withhold';
  };
  const broker = await createBroker({ devices: registry, servicePassword, logger, metrics, limits, ...(embedded ? { acceptTelemetry } : {}) });
  if (embedded && config.INFLUX_URL) {
    ingest = await startIngest({
      publishError: (id: string, m: unknown) => publishFromBroker(broker.aedes, deviceTopic(id, 'errors'), JSON.stringify(m)),
      influx: createInfluxHttp({ url: config.INFLUX_URL, db: config.INFLUX_DB, token: config.INFLUX_TOKEN }),
      directory: registry,
      db,
      config,
      logger: logger.child({ component: 'ingest' }),
      registry: metrics,
    });
  }
  const listeners = await listenMqtt(broker, config, logger);
  const { plain, mqtts, wss } = listeners;
  logger.info({ host: plain.host, port: plain.port, mqttsPort: mqtts?.port, wssPort: wss?.port, ingest: config.INGEST_MODE }, 'broker listening');
  return {
    async close() {
      await listeners.close(); // devices first: nothing is accepted while ingest flushes
      await ingest?.close();
      await broker.close();
      db.close();
    },
  };
});
