/**
 * The rules engine alone: `node rules/main.ts`. Consumes telemetry from the broker at MQTT_URL (default this host's
 * MQTT_PORT) as `svc:rules` with MQTT_SERVICE_PASSWORD (persistent session: readings published while it restarts
 * wait at the broker), reads the registry, surveys and alert state from DATA_DIR, aggregates from INFLUX_URL, and
 * publishes alerts on MQTT `alerts/#`, to InfluxDB and to ALERT_WEBHOOK_URL. Run one instance per deployment: the
 * alert state's one-open-alert-per-key guarantee assumes a single evaluator.
 */
import { join, resolve } from 'node:path';
import { Registry as MetricsRegistry, collectDefaultMetrics } from 'prom-client';
import { createInfluxHttp } from '../platform/influx-http.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { requireServicePassword, runService } from '../platform/run-service.ts';
import { openRegistry } from '../registry/registry.ts';
import { createAlertStore } from './alerts/alert-store.ts';
import { createRulesService } from './engine/rules-service.ts';

await runService('rules', async (config, logger) => {
  const servicePassword = requireServicePassword(config);
  if (!config.INFLUX_URL) throw new Error('INFLUX_URL: required when the rules engine runs on its own');
  const db = openDatabase(join(resolve(config.DATA_DIR), 'vectorwatch.db'));
  const metrics = new MetricsRegistry();
  collectDefaultMetrics({ register: metrics, prefix: 'vectorwatch_process_' });
  const rules = await createRulesService({
    config,
    db,
    registry: openRegistry(db),
    influx: createInfluxHttp({ url: config.INFLUX_URL, db: config.INFLUX_DB, token: config.INFLUX_TOKEN }),
    mqttUrl: config.MQTT_URL ?? `mqtt://127.0.0.1:${config.MQTT_PORT}`,
    servicePassword,
    alertStore: createAlertStore(db),
    logger,
    metrics,
  });
  await rules.start();
  return {
    async close() {
      await rules.close();
      db.close();
    },
  };
});
