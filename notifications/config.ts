/**
 * Configuration of the notification runner (Node-RED with `flows.json`), from environment variables: one strict
 * schema, parsed once at start; a bad value stops the runner with a message naming the key. The keys shared with
 * the services (`MQTT_URL`, `MQTT_SERVICE_PASSWORD`, `DATA_DIR`, `LOG_LEVEL`, `TIME_ZONE`) mean what they mean in
 * `contracts/config.ts`; the rest are the notifier's own and documented in `compose.env.example` and
 * docs/notifications.md.
 *
 * Channel targets are lists of entries separated by whitespace or commas. An entry is either a target for every
 * district (`https://…`, `ops@example.cn`) or a target for one district (`yuexiu=https://…`). A DingTalk robot
 * with 加签 (signing) carries its secret in the URL fragment (`…/robot/send?access_token=…#SEC…`); the fragment is
 * never sent to the server.
 */
import { z } from 'zod';
import { ALERT_TRANSITIONS, SEVERITIES, type AlertTransition, type Severity } from '../contracts/alert.ts';
import { LOG_LEVELS } from '../contracts/config.ts';

/** Same shape as registry ids (contracts/registry.ts). */
const DISTRICT_ID = /^[A-Za-z0-9_-]{2,64}$/;
const EMAIL = /^[^\s@,=]+@[^\s@,]+\.[^\s@,]+$/;

export const CHANNELS = ['wecom', 'dingtalk', 'email', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface RouteTarget {
  /** null: every district. */
  district: string | null;
  /** Robot or webhook URL (without the fragment), or an e-mail address. */
  address: string;
  /** DingTalk 加签 secret, from the URL fragment. */
  secret?: string;
}

export interface ChannelRoute {
  minSeverity: Severity;
  targets: RouteTarget[];
}

/** What the flows read from `VECTORWATCH_NOTIFY_ROUTES` (JSON), so the function nodes need not re-parse lists. */
export type Routes = Record<Channel, ChannelRoute>;

const optionalString = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const severity = (fallback: Severity) => z.enum(SEVERITIES).default(fallback);

function splitEntries(value: string): string[] {
  return value.split(/[\s,]+/).filter((e) => e !== '');
}

/** Parses one channel's target list; `kind` decides what an address must look like. */
export function parseTargets(value: string | undefined, kind: 'url' | 'email'): RouteTarget[] {
  if (value === undefined) return [];
  return splitEntries(value).map((entry) => {
    const eq = entry.indexOf('=');
    const prefix = eq > 0 ? entry.slice(0, eq) : '';
    // `yuexiu=https://…` names a district; in `https://host/send?key=…` the text before `=` is no district id.
    const district = prefix !== '' && DISTRICT_ID.test(prefix) ? prefix : null;
    const raw = district === null ? entry : entry.slice(eq + 1);
    if (kind === 'email') {
      if (!EMAIL.test(raw)) throw new Error(`not an e-mail address: ${JSON.stringify(raw)}`);
      return { district, address: raw };
    }
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Error(`not a URL: ${JSON.stringify(raw)}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`not an http(s) URL: ${JSON.stringify(raw)}`);
    const secret = url.hash.length > 1 ? decodeURIComponent(url.hash.slice(1)) : undefined;
    url.hash = '';
    return secret === undefined ? { district, address: url.toString() } : { district, address: url.toString(), secret };
  });
}

const targets = (kind: 'url' | 'email') =>
  optionalString().transform((v, ctx) => {
    try {
      return parseTargets(v, kind);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

const transitions = z
  .string()
  .default('opened,escalated,acknowledged,resolved')
  .transform((v, ctx) => {
    const list = splitEntries(v);
    const bad = list.filter((t) => !(ALERT_TRANSITIONS as readonly string[]).includes(t));
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unknown transition(s) ${bad.join(', ')}; known: ${ALERT_TRANSITIONS.join(', ')}` });
      return z.NEVER;
    }
    return list as AlertTransition[];
  });

export const NotifierConfigSchema = z.object({
  /** The broker, reached as `svc:notifier` (may subscribe to `alerts/#` only; broker/acl.ts). */
  MQTT_URL: z.url(),
  MQTT_SERVICE_PASSWORD: z.string().min(16),
  /** Node-RED keeps its user directory (context: which events were notified) in DATA_DIR/node-red. */
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  TIME_ZONE: z.string().min(1).default('Asia/Shanghai'),
  /** Base URL of the live page; each message links to `{PUBLIC_URL}/#/alerts/{id}`. */
  PUBLIC_URL: z.url().default('http://127.0.0.1:8080'),
  /** Transitions that notify; repeat breaches (`updated`) and comments do not by default (docs/alerts.md). */
  NOTIFY_TRANSITIONS: transitions,
  NOTIFY_WECOM_URL: targets('url'),
  NOTIFY_WECOM_MIN_SEVERITY: severity('minor'),
  NOTIFY_DINGTALK_URL: targets('url'),
  NOTIFY_DINGTALK_MIN_SEVERITY: severity('minor'),
  NOTIFY_EMAIL_TO: targets('email'),
  NOTIFY_EMAIL_MIN_SEVERITY: severity('major'),
  NOTIFY_EMAIL_FROM: optionalString().pipe(z.string().regex(EMAIL, 'must be an e-mail address').optional()),
  /** nodemailer transport URL: `smtps://user:pass@smtp.example.cn:465` or `smtp://…:587` (STARTTLS). */
  SMTP_URL: optionalString().pipe(z.url().optional()),
  NOTIFY_WEBHOOK_URL: targets('url'),
  NOTIFY_WEBHOOK_MIN_SEVERITY: severity('info'),
  /** Signs the generic webhook like the rules engine's: `X-VectorWatch-Signature: sha256=<hex>`. */
  NOTIFY_WEBHOOK_SECRET: optionalString().pipe(z.string().min(16).optional()),
  /** Node-RED's HTTP listener (GET /health; the editor when a password is set). Loopback unless configured. */
  NODE_RED_HOST: z.string().min(1).default('127.0.0.1'),
  NODE_RED_PORT: z.coerce.number().int().min(0).max(65535).default(1880),
  /** Unset: the editor is off. Set: the editor is on, user `admin` with this password (≥ 12 characters). */
  NODE_RED_ADMIN_PASSWORD: optionalString().pipe(z.string().min(12).optional()),
});

export type NotifierConfig = Readonly<z.infer<typeof NotifierConfigSchema>>;

export const NOTIFIER_CONFIG_KEYS = Object.keys(NotifierConfigSchema.shape) as (keyof z.infer<typeof NotifierConfigSchema>)[];

export class NotifierConfigError extends Error {
  override name = 'NotifierConfigError';
}

export function loadNotifierConfig(env: Record<string, string | undefined> = process.env): NotifierConfig {
  const result = NotifierConfigSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${String(i.path[0] ?? '?')}: ${i.message}`);
    throw new NotifierConfigError(`Invalid notifier configuration:\n${lines.join('\n')}`);
  }
  const c = result.data;
  if (c.NOTIFY_EMAIL_TO.length > 0 && (!c.SMTP_URL || !c.NOTIFY_EMAIL_FROM)) {
    throw new NotifierConfigError('Invalid notifier configuration:\n  SMTP_URL: NOTIFY_EMAIL_TO is set, so SMTP_URL and NOTIFY_EMAIL_FROM are required');
  }
  return Object.freeze(c);
}

export function routesOf(c: NotifierConfig): Routes {
  return {
    wecom: { minSeverity: c.NOTIFY_WECOM_MIN_SEVERITY, targets: c.NOTIFY_WECOM_URL },
    dingtalk: { minSeverity: c.NOTIFY_DINGTALK_MIN_SEVERITY, targets: c.NOTIFY_DINGTALK_URL },
    email: { minSeverity: c.NOTIFY_EMAIL_MIN_SEVERITY, targets: c.NOTIFY_EMAIL_TO },
    webhook: { minSeverity: c.NOTIFY_WEBHOOK_MIN_SEVERITY, targets: c.NOTIFY_WEBHOOK_URL },
  };
}
