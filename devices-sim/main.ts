/**
 * Composition root of the simulator CLI: reads flags, plans the fleet from the reference data, registers it through
 * the API, runs it, prints a one-line summary every 10 s and on exit, and stops cleanly on SIGINT/SIGTERM.
 *   node devices-sim/main.ts --devices 200 --interval-ms 5000 --url mqtt://127.0.0.1:1883 \
 *     --api http://127.0.0.1:8080 --admin-token T --seed 1 [--faults malformed_json:0.01] [--duration-s 60]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ReferenceDataSchema } from '../contracts/registry.ts';
import { createLogger } from '../platform/logger.ts';
import { parseSimConfig, USAGE } from './cli-config.ts';
import { planFleet } from './fleet.ts';
import { provisionFleet } from './provision.ts';
import { runFleet, type FleetStats } from './run-fleet.ts';

const SUMMARY_EVERY_MS = 10_000;

function summary(s: FleetStats, elapsedS: number, previousAcked: number, windowS: number): string {
  const codes = Object.entries(s.rejectedByCode)
    .map(([code, n]) => `${code}:${n}`)
    .join(',');
  const rate = windowS > 0 ? ((s.acked - previousAcked) / windowS).toFixed(1) : '0.0';
  return (
    `sim t=${Math.round(elapsedS)}s connected=${s.connected}/${s.devices} sent=${s.sent} acked=${s.acked} (${rate}/s)` +
    ` rejected=${s.rejected}${codes ? ` [${codes}]` : ''} skipped=${s.skipped} errors=${s.errors}`
  );
}

async function main(): Promise<number> {
  const defaultRef = fileURLToPath(new URL('../registry/seed/demo.json', import.meta.url));
  let config;
  try {
    config = parseSimConfig(process.argv.slice(2), process.env, defaultRef);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (config === null) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = createLogger(config.logLevel, 'devices-sim');
  const ref = ReferenceDataSchema.parse(JSON.parse(readFileSync(config.refPath, 'utf8')));
  const registrations = planFleet(ref, { devices: config.devices, seed: config.seed });
  const devices =
    config.apiUrl && config.adminToken
      ? await provisionFleet({ apiUrl: config.apiUrl, adminToken: config.adminToken, registrations })
      : registrations.map((registration) => ({ registration, password: '' }));
  if (!config.apiUrl) log.warn('no --api: devices connect without a password (only an open broker accepts them)');

  const started = performance.now();
  const fleet = await runFleet({
    url: config.url,
    devices,
    intervalMs: config.intervalMs,
    seed: config.seed,
    faults: config.faults,
    ref,
    logger: log,
  });
  let lastAcked = 0;
  let lastAt = started;
  const print = (): void => {
    const now = performance.now();
    const s = fleet.stats();
    process.stdout.write(`${summary(s, (now - started) / 1000, lastAcked, (now - lastAt) / 1000)}\n`);
    lastAcked = s.acked;
    lastAt = now;
  };
  const ticker = setInterval(print, SUMMARY_EVERY_MS);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    if (config.durationS !== undefined) setTimeout(resolve, config.durationS * 1000);
  });
  clearInterval(ticker);
  await fleet.stop();
  print();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`devices-sim: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
