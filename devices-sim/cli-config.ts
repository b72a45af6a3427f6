/** The simulator CLI's configuration: flags (node:util parseArgs) and env, checked once by a strict schema. */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { FAULT_KINDS } from './faults.ts';
import type { FaultSpec } from './fault-injector.ts';

export const USAGE = `Usage: node devices-sim/main.ts [options]

  --devices N          fleet size (default 200)
  --interval-ms MS     each device reports every MS milliseconds (default 5000)
  --rate R             readings per second across the fleet, instead of --interval-ms
  --url URL            MQTT broker (default env MQTT_URL or mqtt://127.0.0.1:1883)
  --api URL            HTTP API to register the fleet with (default with a token: http://127.0.0.1:$HTTP_PORT);
                       without API and token devices connect with no password (open brokers only)
  --admin-token T      API admin token (default env ADMIN_TOKEN)
  --seed S             seed of the fleet plan and of every reading (default 1)
  --faults LIST        fault mix, e.g. malformed_json:0.01,duplicate:0.02
                       kinds: ${FAULT_KINDS.join(', ')}
  --duration-s N       stop after N seconds (default: run until SIGINT/SIGTERM)
  --ref PATH           reference data JSON (default registry/seed/demo.json)
  --log-level L        pino level (default info)
  --help               this text
`;

const FaultSpecSchema = z.strictObject({ kind: z.enum(FAULT_KINDS), ratio: z.number().min(0).max(1) });

/** `malformed_json:0.01,duplicate:0.02` → fault specs. */
export function parseFaults(list: string): FaultSpec[] {
  if (list.trim() === '') return [];
  const specs = list.split(',').map((item) => {
    const [kind, ratio, ...rest] = item.trim().split(':');
    const parsed = FaultSpecSchema.safeParse({ kind, ratio: Number(ratio) });
    if (rest.length > 0 || ratio === undefined || !parsed.success) {
      throw new Error(`--faults: "${item}" must be kind:ratio with kind one of ${FAULT_KINDS.join(', ')} and 0 ≤ ratio ≤ 1`);
    }
    return parsed.data;
  });
  if (specs.reduce((s, f) => s + f.ratio, 0) > 1) throw new Error('--faults: ratios add up to more than 1');
  return specs;
}

const intFlag = (name: string) =>
  z.coerce.number({ error: (i) => (i.code === 'invalid_type' ? `--${name} must be a number` : undefined) }).int(`--${name} must be a whole number`);

const ConfigSchema = z.strictObject({
  devices: intFlag('devices').min(1).max(100_000),
  // Floods and load tests send faster than any real device (down to 1 ms per device).
  intervalMs: intFlag('interval-ms').min(1, '--interval-ms must be at least 1').max(7 * 24 * 3_600_000),
  url: z.string().regex(/^mqtts?:\/\/|^wss?:\/\/|^tcp:\/\//, '--url must be an mqtt://, mqtts://, ws:// or wss:// URL'),
  apiUrl: z.url('--api must be a URL').optional(),
  adminToken: z.string().min(1).optional(),
  seed: intFlag('seed'),
  faults: z.array(FaultSpecSchema),
  durationS: intFlag('duration-s').min(1).optional(),
  refPath: z.string().min(1),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
});
export type SimConfig = Readonly<z.infer<typeof ConfigSchema>>;

/** Parses argv (without node and script); returns null for --help. Throws with a message naming the flag. */
export function parseSimConfig(argv: readonly string[], env: NodeJS.ProcessEnv, defaultRefPath: string): SimConfig | null {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      devices: { type: 'string' },
      'interval-ms': { type: 'string' },
      rate: { type: 'string' },
      url: { type: 'string' },
      api: { type: 'string' },
      'admin-token': { type: 'string' },
      seed: { type: 'string' },
      faults: { type: 'string' },
      'duration-s': { type: 'string' },
      ref: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return null;
  if (values.rate !== undefined && values['interval-ms'] !== undefined) throw new Error('give --rate or --interval-ms, not both');
  const devices = Number(values.devices ?? 200);
  let intervalMs: unknown = values['interval-ms'] ?? 5000;
  if (values.rate !== undefined) {
    const rate = Number(values.rate);
    if (!(rate > 0)) throw new Error('--rate must be a positive number of readings per second');
    intervalMs = Math.max(1, Math.round((devices * 1000) / rate));
  }
  const parsed = ConfigSchema.safeParse({
    devices: values.devices ?? 200,
    intervalMs,
    url: values.url ?? env['MQTT_URL'] ?? 'mqtt://127.0.0.1:1883',
    // With an admin token and no --api, register through this host's API (HTTP_PORT, default 8080): the usual case
    // of `npm run sim` beside `npm start`.
    apiUrl: values.api ?? ((values['admin-token'] ?? env['ADMIN_TOKEN']) ? `http://127.0.0.1:${env['HTTP_PORT'] || 8080}` : undefined),
    adminToken: values['admin-token'] ?? env['ADMIN_TOKEN'],
    seed: values.seed ?? 1,
    faults: parseFaults(values.faults ?? ''),
    durationS: values['duration-s'],
    refPath: values.ref ?? defaultRefPath,
    logLevel: values['log-level'] ?? 'info',
  });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; '));
  if (parsed.data.apiUrl && !parsed.data.adminToken) throw new Error('--api needs --admin-token (or env ADMIN_TOKEN)');
  return Object.freeze(parsed.data);
}
