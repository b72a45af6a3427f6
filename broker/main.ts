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
import { listenBroker } from './listen.ts';

await runService('broker', async (config, logger) => {
  const servicePassword = requireServicePassword(config);
  const db = openDatabase(join(resolve(config.DATA_DIR), 'vectorwatch.db'));
  const broker = await createBroker({ devices: openRegistry(db), servicePassword, logger, metrics: new MetricsRegistry() });
  const listener = await listenBroker(broker, { host: config.MQTT_HOST, port: config.MQTT_PORT });
  logger.info({ host: listener.host, port: listener.port }, 'broker listening');
  return {
    async close() {
      await listener.close();
      await broker.close();
      db.close();
    },
  };
});
