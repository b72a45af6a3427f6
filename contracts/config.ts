/**
 * Configuration from environment variables: one strict schema, parsed once at start, frozen.
 * Defaults live here with units in the names. A bad value stops the process with a message naming the key.
 * `.env.example` documents every key (a test keeps the two in step).
 */
import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const optionalString = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v));

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Calendar period kinds the rules engine evaluates (rules/periods.ts). */
export const PERIOD_KINDS = ['day', 'week', 'month'] as const;

export const ConfigSchema = z.object({
  /** Interface the MQTT listener binds. Loopback unless configured: nothing public by default. */
  MQTT_HOST: z.string().min(1).default('127.0.0.1'),
  MQTT_PORT: port(1883),
  /** Where services (ingest) reach the broker when it runs in another process. Default: this host's MQTT_PORT. */
  MQTT_URL: optionalString().pipe(z.url().optional()),
  /** Password of the service principals (svc:ingest, …) at the broker. Generated per run when unset in one-process mode. */
  MQTT_SERVICE_PASSWORD: optionalString().pipe(z.string().min(16).optional()),
  /**
   * Plain (unencrypted) MQTT on MQTT_HOST:MQTT_PORT. `loopback`: only when MQTT_HOST is a loopback address; with a
   * public MQTT_HOST the plain listener binds 127.0.0.1 (services on this host) and devices must use TLS.
   * `public`: plain MQTT on a public MQTT_HOST too (explicit; docs/security.md).
   */
  MQTT_ALLOW_PLAIN: z.enum(['loopback', 'public']).default('loopback'),
  /** PEM certificate chain and key of the TLS listeners (mqtts and wss); both or neither. */
  MQTT_TLS_CERT_FILE: optionalString(),
  MQTT_TLS_KEY_FILE: optionalString(),
  /** PEM CA bundle: when set, clients of the TLS listeners must present a certificate it signed (mutual TLS). */
  MQTT_TLS_CA_FILE: optionalString(),
  /** MQTT over TLS, on MQTT_HOST, when a certificate is configured. */
  MQTTS_PORT: port(8883),
  /** MQTT over WebSocket over TLS (path /mqtt), on MQTT_HOST, when a certificate is configured. */
  MQTT_WSS_PORT: port(8884),
  /** Largest MQTT packet (header included); a larger one closes the connection before it is buffered. */
  MQTT_MAX_PACKET_BYTES: z.coerce.number().int().min(64).default(270_336),
  /** Open MQTT connections per client address (IPv6: per /64); 0 = no limit. */
  MQTT_MAX_CONNECTIONS_PER_IP: nonNegativeInt(1000),
  /** CONNECT attempts per minute per (address, username), burst the same; 0 = no limit. */
  MQTT_CONNECTS_PER_MIN: nonNegativeInt(30),
  /** Failed logins of one username from one address before both are banned for MQTT_AUTH_BAN_MS; 0 = never. */
  MQTT_AUTH_FAILURES_BEFORE_BAN: nonNegativeInt(5),
  /** Failed logins from one address (any usernames) before the address is banned; 0 = never. */
  MQTT_AUTH_FAILURES_PER_IP_BEFORE_BAN: nonNegativeInt(50),
  MQTT_AUTH_BAN_MS: positiveInt(60_000),
  /** Sustained PUBLISH rate per device (above it publishes are delayed, not dropped); 0 = no limit. */
  MQTT_PUBLISH_RATE_PER_S: z.coerce.number().min(0).default(10),
  /** Publishes a device may send at once above the rate. */
  MQTT_PUBLISH_BURST: positiveInt(100),
  /** Sustained payload bytes per second per device (one largest accepted reading a second); 0 = no limit. */
  MQTT_PUBLISH_BYTES_PER_S: nonNegativeInt(8192),
  /** Payload bytes a device may send at once above the byte rate (a 100-reading replay fits). */
  MQTT_PUBLISH_BYTES_BURST: positiveInt(65_536),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port(8080),
  /**
   * Where people reach the API and live page (e.g. https://vectorwatch.example.cn behind the TLS proxy). An https URL
   * marks session cookies `Secure`; links in notifications point here.
   */
  PUBLIC_URL: optionalString().pipe(z.url().optional()),
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
  /** InfluxDB write batches in flight at once (the spool cursor still moves only past a settled prefix). */
  INGEST_WRITES_IN_FLIGHT: positiveInt(2),
  /** Readings stamped further ahead than this are refused (device clock skew). */
  INGEST_MAX_FUTURE_SKEW_MS: positiveInt(5 * 60_000),
  /** Readings older than this are refused; devices buffer up to ~30 days offline. */
  INGEST_MAX_AGE_MS: positiveInt(35 * 24 * 3600_000),
  /** Dead-letter rows kept (oldest dropped first). */
  DEAD_LETTER_LIMIT: positiveInt(10_000),
  /** How often ingest writes its counts (stored, rejected by code, duplicates) to InfluxDB as `ingest_stats`. */
  INGEST_STATS_INTERVAL_MS: positiveInt(10_000),
  /**
   * `embedded`: ingest runs inside the broker process and a device's PUBACK means "durable on disk or refused".
   * `mqtt`: ingest consumes from a broker as svc:ingest (ingest/main.ts, scale-out). docs/durability.md.
   */
  INGEST_MODE: z.enum(['embedded', 'mqtt']).default('embedded'),
  /**
   * INGEST_MODE=mqtt scale-out: workers sharing telemetry through an MQTT 5 shared subscription
   * `$share/{group}/devices/+/telemetry` (EMQX, Mosquitto; aedes has none). Unset: one consumer, MQTT 3.1.1.
   */
  INGEST_SHARE_GROUP: optionalString().pipe(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only').optional()),
  /** Client id of this ingest worker (unique per worker in a share group; must start with svc:ingest on our broker). */
  INGEST_CLIENT_ID: optionalString().pipe(z.string().min(1).max(128).optional()),
  /** Bound on readings in the spool (DATA_DIR/spool) not yet in InfluxDB; when reached, ingest stops acknowledging. */
  SPOOL_MAX_BYTES: z.coerce.number().int().min(64 * 1024).default(1024 * 1024 * 1024),
  /** Size at which a spool segment file is closed and a new one started. */
  SPOOL_SEGMENT_BYTES: z.coerce.number().int().min(4096).default(16 * 1024 * 1024),
  /** Directory of local rule packs and overrides (rules/load-packs.ts); unset: built-in packs only. */
  RULE_PACKS_DIR: optionalString(),
  /** Replaces rules/engine/alert-policy.json (clear thresholds, hold times, device-health thresholds). */
  RULES_POLICY_FILE: optionalString(),
  /** Density indicators of the current periods are re-evaluated this often (issue 3: at least once a minute). */
  RULES_EVAL_INTERVAL_MS: positiveInt(60_000),
  /** Silence and bin-emptying checks and alert escalation run this often. */
  RULES_TICK_MS: positiveInt(30_000),
  /**
   * A repeat breach of an open alert (count, last value, an `updated` event) is written at most this often per
   * alert; the breaches in between are counted and carried by the next write (rules/engine/observer.ts). 0: each one.
   */
  RULES_REPEAT_UPDATE_MS: z.coerce.number().int().min(0).default(60_000),
  /**
   * Grading roll-ups (rules/engine/density/day-partials.ts): a closed day is re-read from InfluxDB every 15 min for
   * this many hours after it closes, so readings a device sends late (replaying its buffer) reach the grades.
   */
  RULES_ROLLUP_LATE_HOURS: positiveInt(72),
  /** Period kinds whose current period is evaluated and written as `indicator` points, comma-separated. */
  RULES_PERIOD_KINDS: z
    .string()
    .default('month,week')
    .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''))
    .pipe(z.array(z.enum(PERIOD_KINDS)).min(1, 'list at least one of day, week, month')),
  /** The period kind whose current period raises density and dengue alerts. */
  RULES_ALERT_PERIOD_KIND: z.enum(PERIOD_KINDS).default('month'),
  /** Density alerts resolve themselves once the value clears (default: a person resolves, with a corrective action). */
  RULES_DENSITY_AUTO_RESOLVE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Alert webhook (signed POST of every notifying transition); unset: no webhook. */
  ALERT_WEBHOOK_URL: optionalString().pipe(z.url().optional()),
  /** HMAC-SHA256 key of the webhook signature; required with ALERT_WEBHOOK_URL. */
  ALERT_WEBHOOK_SECRET: optionalString().pipe(z.string().min(16, 'must be at least 16 characters').optional()),
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
