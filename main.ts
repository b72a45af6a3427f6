/**
 * `npm start`: the whole pipeline in one process — broker, ingest, HTTP API, a local influxd (unless INFLUX_URL is
 * set) and a simulated fleet (SIM_DEVICES, default 200). Prints where everything listens and a device credential
 * to try. Ctrl-C (SIGINT) or SIGTERM stops everything, the local influxd included.
 */
import { ConfigError, loadConfig } from './contracts/config.ts';
import { createLogger } from './platform/logger.ts';
import { startStack } from './stack/start-stack.ts';
import { startDemo, printBanner } from './stack/demo.ts';

const SHUTDOWN_BOUND_MS = 15_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const stack = await startStack({ config, logger, seedDemo: config.SIM_DEVICES > 0 });
  const demo = await startDemo(stack, logger);
  printBanner(stack, demo);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping VectorWatch…`);
    const force = setTimeout(() => {
      console.error(`shutdown took longer than ${SHUTDOWN_BOUND_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_BOUND_MS);
    force.unref();
    await demo.stop();
    await stack.close();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`VectorWatch failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
