/**
 * Shared shape of a standalone service's composition root: read config (exit 2 naming the bad key), build a
 * logger, start, and stop on SIGINT/SIGTERM within a bound.
 */
import { ConfigError, loadConfig, type Config } from '../contracts/config.ts';
import { createLogger, type Logger } from './logger.ts';

export async function runService(
  name: string,
  start: (config: Config, logger: Logger) => Promise<{ close(): Promise<void> }>,
  opts: { shutdownBoundMs?: number } = {},
): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL, name === 'stack' ? 'vectorwatch' : `vectorwatch-${name}`);
  let service: { close(): Promise<void> };
  try {
    service = await start(config, logger);
  } catch (err) {
    console.error(`${name} failed to start: ${(err as Error).message}`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      logger.error('shutdown bound exceeded; exiting');
      process.exit(1);
    }, opts.shutdownBoundMs ?? 15_000);
    timer.unref();
    await service.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** Services in separate processes must share the broker's service secret. */
export function requireServicePassword(config: Config): string {
  if (!config.MQTT_SERVICE_PASSWORD) {
    console.error('MQTT_SERVICE_PASSWORD: required when services run in separate processes (the same value for broker, ingest and api)');
    process.exit(2);
  }
  return config.MQTT_SERVICE_PASSWORD;
}
