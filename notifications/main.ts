/**
 * The notification runner: `node notifications/main.ts` (compose service `notifier`). Validates the environment
 * (notifications/config.ts; a bad value exits 2 naming the key), starts Node-RED with the flows and stops it on
 * SIGINT/SIGTERM. Exits with Node-RED's exit code if Node-RED stops by itself, so the container restarts.
 */
import { loadNotifierConfig, NotifierConfigError, type NotifierConfig } from './config.ts';
import { startNodeRed } from './start-node-red.ts';

let config: NotifierConfig;
try {
  config = loadNotifierConfig();
} catch (err) {
  if (err instanceof NotifierConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}

const nodeRed = await startNodeRed(config);
console.log(`notifier: Node-RED running the alert flows, health at ${nodeRed.url}/health`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await nodeRed.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
const code = await nodeRed.exited;
if (!stopping) {
  console.error(`notifier: Node-RED exited with code ${code}`);
  process.exit(code === 0 ? 1 : code);
}
