/**
 * Ingest alone: `node ingest/main.ts`. Consumes telemetry from the broker at MQTT_URL (default this host's
 * MQTT_PORT) as `svc:ingest` with MQTT_SERVICE_PASSWORD, looks devices up in the registry in DATA_DIR, and writes to
 * INFLUX_URL (required here: only `npm start` launches a local influxd).
 */
import { join, resolve } from 'node:path';
import { Registry as MetricsRegistry } from 'prom-client';
import { createInfluxHttp } from '../platform/influx-http.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { requireServicePassword, runService } from '../platform/run-service.ts';
import { openRegistry } from '../registry/registry.ts';
import { startIngest } from './start-ingest.ts';

await runService('ingest', async (config, logger) => {
  const servicePassword = requireServicePassword(config);
  if (!config.INFLUX_URL) throw new Error('INFLUX_URL: required when ingest runs on its own');
  const db = openDatabase(join(resolve(config.DATA_DIR), 'vectorwatch.db'));
  const ingest = await startIngest({
    mqttUrl: config.MQTT_URL ?? `mqtt://127.0.0.1:${config.MQTT_PORT}`,
    servicePassword,
    influx: createInfluxHttp({ url: config.INFLUX_URL, db: config.INFLUX_DB, token: config.INFLUX_TOKEN }),
    directory: openRegistry(db),
    db,
    config,
    logger,
    registry: new MetricsRegistry(),
  });
  logger.info('ingest consuming');
  return {
    async close() {
      await ingest.close();
      db.close();
    },
  };
});
