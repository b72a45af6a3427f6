/**
 * Ingest alone: `node ingest/main.ts`, the scale-out shape (INGEST_MODE=mqtt, docs/durability.md). Consumes telemetry
 * from the broker at MQTT_URL (default this host's MQTT_PORT) as `svc:ingest` with MQTT_SERVICE_PASSWORD, looks
 * devices up in the registry in DATA_DIR, spools accepted readings in DATA_DIR/spool (one DATA_DIR per worker) and
 * writes to INFLUX_URL (required here: only `npm start` launches a local influxd). Each PUBACK to the broker waits
 * until the reading is in the spool; the broker's own session store then bounds the guarantee (aedes: memory).
 * Embedded ingest (a device's PUBACK = on disk) is `npm start`'s default (INGEST_MODE, stack/start-stack.ts).
 */
import { join, resolve } from 'node:path';
import { Registry as MetricsRegistry } from 'prom-client';
import { createInfluxHttp } from '../platform/influx-http.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { requireServicePassword, runService } from '../platform/run-service.ts';
import { openRegistry } from '../registry/registry.ts';
import { startIngest } from './start-ingest.ts';

await runService('ingest', async (config, logger) => {
  // Always mqtt mode: a separate process can only consume from a broker. INGEST_MODE chooses for `npm start`.
  const servicePassword = requireServicePassword(config);
  if (!config.INFLUX_URL) throw new Error('INFLUX_URL: required when ingest runs on its own');
  const db = openDatabase(join(resolve(config.DATA_DIR), 'vectorwatch.db'));
  const ingest = await startIngest({
    mqtt: { url: config.MQTT_URL ?? `mqtt://127.0.0.1:${config.MQTT_PORT}`, servicePassword },
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
