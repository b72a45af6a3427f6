/**
 * Configuration from environment variables: one strict schema, parsed once at start, frozen.
 * Defaults live here with units in the names. A bad value stops the process with a message naming the key.
 * `.env.example` documents every key (a test keeps the two in step).
 */
import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const optionalString = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v));

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ConfigSchema = z.object({
  /** Interface the MQTT listener binds. Loopback unless configured: nothing public by default. */
  MQTT_HOST: z.string().min(1).default('127.0.0.1'),
  MQTT_PORT: port(1883),
  /** Where services (ingest) reach the broker when it runs in another process. Default: this host's MQTT_PORT. */
  MQTT_URL: optionalString().pipe(z.url().optional()),
  /** Password of the service principals (svc:ingest, …) at the broker. Generated per run when unset in one-process mode. */
  MQTT_SERVICE_PASSWORD: optionalString().pipe(z.string().min(16).optional()),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port(8080),
  /** Unset: start a local influxd child process with its data under DATA_DIR/influxdb. */
  INFLUX_URL: optionalString().pipe(z.url().optional()),
  INFLUX_DB: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('vectorwatch'),
  /** Sent as `Authorization: Token …` (InfluxDB 2.x/3.x v1-compatibility API). */
  INFLUX_TOKEN: optionalString(),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Bearer token for the admin API. Unset in demo mode: generated and printed at start. */
  ADMIN_TOKEN: optionalString().pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  /** Demo fleet size started in-process by `npm start`; 0 disables the simulator. */
  SIM_DEVICES: z.coerce.number().int().min(0).max(100_000).default(200),
  SIM_SEED: z.coerce.number().int().default(1),
  /** Each simulated device reports once per interval. */
  SIM_INTERVAL_MS: positiveInt(5000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Deployment time zone: calendar periods (days, weeks, months) are cut here, never in UTC. */
  TIME_ZONE: z.string().min(1).default('Asia/Shanghai'),
  /** Telemetry payloads above this size are refused with TOO_LARGE. */
  MAX_PAYLOAD_BYTES: positiveInt(8192),
  INGEST_BATCH_SIZE: positiveInt(5000),
  INGEST_FLUSH_INTERVAL_MS: positiveInt(200),
  /** Readings stamped further ahead than this are refused (device clock skew). */
  INGEST_MAX_FUTURE_SKEW_MS: positiveInt(5 * 60_000),
  /** Readings older than this are refused; devices buffer up to ~30 days offline. */
  INGEST_MAX_AGE_MS: positiveInt(35 * 24 * 3600_000),
  /** Dead-letter rows kept (oldest dropped first). */
  DEAD_LETTER_LIMIT: positiveInt(10_000),
});

export type Config = Readonly<z.infer<typeof ConfigSchema>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws ConfigError naming every bad key. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const key = String(i.path[0] ?? '?');
      const got = env[key];
      return `  ${key}: ${i.message}${got !== undefined ? ` (got ${JSON.stringify(got)})` : ''}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}

/** Keys of the schema, for `.env.example` and compose checks. */
export const CONFIG_KEYS = Object.keys(ConfigSchema.shape) as (keyof z.infer<typeof ConfigSchema>)[];
