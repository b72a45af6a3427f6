/**
 * The broker alone: `node broker/main.ts`. Checks device credentials against the registry in DATA_DIR (shared
 * SQLite file, WAL) and needs MQTT_SERVICE_PASSWORD, the secret ingest and the API log in with.
 */
import { join, resolve } from 'node:path';
import { Registry as MetricsRegistry } from 'prom-client';
import { openDatabase } from '../platform/sqlite.ts';
import { requireServicePassword, runService } from '../platform/run-service.ts';
import { openRegistry } from '../registry/registry.ts';
import { createBroker } from './create-broker.ts';
import { listenMqtt } from './listen-mqtt.ts';
import { createBrokerLimits } from './limits/broker-limits.ts';
import { brokerLimitsFromConfig } from './limits/limits-config.ts';

await runService('broker', async (config, logger) => {
  const servicePassword = requireServicePassword(config);
  const db = openDatabase(join(resolve(config.DATA_DIR), 'vectorwatch.db'));
  const metrics = new MetricsRegistry();
  const limits = createBrokerLimits(brokerLimitsFromConfig(config), { logger, metrics });
  const broker = await createBroker({ devices: openRegistry(db), servicePassword, logger, metrics, limits });
  const listeners = await listenMqtt(broker, config, logger);
  const { plain, mqtts, wss } = listeners;
  logger.info({ host: plain.host, port: plain.port, mqttsPort: mqtts?.port, wssPort: wss?.port }, 'broker listening');
  return {
    async close() {
      await listeners.close();
      await broker.close();
      db.close();
    },
  };
});
