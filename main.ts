/**
 * `npm start`: the whole pipeline in one process — broker, ingest, HTTP API, a local influxd (unless INFLUX_URL is
 * set) and a simulated fleet (SIM_DEVICES, default 200). Prints where everything listens and a device credential
 * to try. Ctrl-C (SIGINT) or SIGTERM stops everything, the local influxd included.
 */
import { runService } from './platform/run-service.ts';
import { startStack } from './stack/start-stack.ts';
import { startDemo, printBanner } from './stack/demo.ts';

await runService('stack', async (config, logger) => {
  const stack = await startStack({ config, logger, seedDemo: config.SIM_DEVICES > 0 });
  try {
    const demo = await startDemo(stack, logger);
    printBanner(stack, demo);
    return {
      async close() {
        console.log('\nstopping VectorWatch…');
        await demo.stop();
        await stack.close();
        console.log('stopped.');
      },
    };
  } catch (err) {
    await stack.close();
    throw err;
  }
});
