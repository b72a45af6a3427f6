/**
 * Alert contract v1: the alert record the rules engine keeps, the transition event it publishes on
 * `alerts/{districtId}/{alertId}` (MQTT, retained while the alert is active) and POSTs to webhooks.
 * Strict objects, ISO-8601 instants, string unions (no booleans that will grow): JSON-Schema friendly,
 * see `alertJsonSchemas()`. Lifecycle and semantics: docs/alerts.md.
 */
import { z } from 'zod';

export const ALERT_CONTRACT_VERSION = 1;

export const ALERT_KINDS = ['density', 'dengue', 'water', 'bin', 'device_health'] as const;
export const AlertKindSchema = z.enum(ALERT_KINDS);
export type AlertKind = z.infer<typeof AlertKindSchema>;

/** Ascending: a later entry is more severe. */
export const SEVERITIES = ['info', 'minor', 'major', 'critical'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

/** `open → acknowledged → resolved`; `open → resolved` is allowed too (auto-resolve, or resolve without ack). */
export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export const AlertStateSchema = z.enum(ALERT_STATES);
export type AlertState = z.infer<typeof AlertStateSchema>;

/** What happened to an alert; one append-only event per transition. */
export const ALERT_TRANSITIONS = ['opened', 'updated', 'escalated', 'acknowledged', 'resolved', 'commented'] as const;
export const AlertTransitionSchema = z.enum(ALERT_TRANSITIONS);
export type AlertTransition = z.infer<typeof AlertTransitionSchema>;

export const ResolutionSchema = z.enum(['auto', 'manual']);
export type Resolution = z.infer<typeof ResolutionSchema>;

export const ScopeLevelSchema = z.enum(['device', 'site', 'district', 'city']);
export type ScopeLevel = z.infer<typeof ScopeLevelSchema>;

/** Same shape as registry ids (contracts/registry.ts), so a scope id is always topic-safe. */
const RefIdSchema = z.string().regex(/^[A-Za-z0-9_-]{2,64}$/, 'id must match ^[A-Za-z0-9_-]{2,64}$');
/** Alert ids go into a topic level: no `/`, `+`, `#`, `$`. */
export const ALERT_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
export const AlertIdSchema = z.string().regex(ALERT_ID_PATTERN, 'alert id must match ^[A-Za-z0-9_-]{8,64}$');

export const AlertScopeSchema = z.strictObject({ level: ScopeLevelSchema, id: RefIdSchema });
export type AlertScope = z.infer<typeof AlertScopeSchema>;

export const LocalizedTextSchema = z.strictObject({
  zh: z.string().min(1).describe('Simplified Chinese (default)'),
  en: z.string().min(1),
});
export type LocalizedText = z.infer<typeof LocalizedTextSchema>;

const Instant = () => z.iso.datetime({ offset: true });
const Actor = () => z.string().min(1).max(200);
const Note = () => z.string().max(4000);

export const AlertSchema = z.strictObject({
  id: AlertIdSchema,
  key: z.string().min(1).describe('ruleId + scope: at most one unresolved alert per key'),
  ruleId: z.string().min(1),
  kind: AlertKindSchema,
  severity: SeveritySchema.describe('highest severity seen while the alert was active'),
  state: AlertStateSchema,
  districtId: RefIdSchema,
  siteId: RefIdSchema.optional(),
  deviceId: z.string().min(1).max(64).optional(),
  scope: AlertScopeSchema,
  period: z.string().min(1).optional().describe('period label, e.g. 2026-11'),
  indicator: z.string().min(1).optional().describe('indicator, parameter or condition id, e.g. indoor-sign-rate'),
  value: z.number().describe('value that opened the alert'),
  limit: z.number().describe('the limit the value breached (for density: the C-level limit)'),
  unit: z.string(),
  standard: z.string().describe('e.g. GB/T 27770-2011, GB 5749-2022, or the operator policy'),
  text: LocalizedTextSchema.describe('describes the latest breach'),
  openedAt: Instant(),
  lastSeenAt: Instant(),
  count: z.number().int().min(1).describe('breaching observations folded into this alert'),
  lastValue: z.number(),
  escalatedAt: Instant().optional(),
  escalationLevel: z.number().int().min(0),
  acknowledgedBy: Actor().optional(),
  acknowledgedAt: Instant().optional(),
  acknowledgedNote: Note().optional(),
  resolvedBy: Actor().optional(),
  resolvedAt: Instant().optional(),
  resolvedNote: Note().optional(),
  resolution: ResolutionSchema.nullable(),
  correctiveAction: Note().optional().describe('required when a person resolves a density alert'),
});
export type Alert = z.infer<typeof AlertSchema>;

/** One transition, with the alert as it stands after it. `eventId` increases and identifies the event. */
export const AlertEventSchema = z.strictObject({
  version: z.literal(ALERT_CONTRACT_VERSION),
  eventId: z.number().int().min(1).describe('idempotency key: a redelivered event keeps its id'),
  transition: AlertTransitionSchema,
  at: Instant(),
  actor: Actor().describe("who acted: a user id, or 'system' for the rules engine"),
  note: Note().nullable(),
  alert: AlertSchema,
});
export type AlertEvent = z.infer<typeof AlertEventSchema>;

/**
 * Payload on `alerts/{districtId}/{alertId}`: retained while the alert is active. On resolve the resolved
 * event is published once without retain, then a zero-length retained payload clears the topic [MQTT-3.3.1-10];
 * subscribers must ignore zero-length payloads.
 */
export const AlertMqttMessageSchema = AlertEventSchema;
export type AlertMqttMessage = AlertEvent;

/** Webhook body: the same event, signed (`X-VectorWatch-Signature: sha256=<hex>`); see docs/alerts.md. */
export const AlertWebhookBodySchema = AlertEventSchema;
export type AlertWebhookBody = AlertEvent;

export const ALERT_TOPIC_ROOT = 'alerts';
export const ALL_ALERTS = 'alerts/#';
export const alertTopic = (districtId: string, alertId: string): string => `${ALERT_TOPIC_ROOT}/${districtId}/${alertId}`;

/** Parses `alerts/{districtId}/{alertId}`; null for anything else. */
export function parseAlertTopic(topic: string): { districtId: string; alertId: string } | null {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== ALERT_TOPIC_ROOT) return null;
  const [, districtId, alertId] = parts as [string, string, string];
  if (!RefIdSchema.safeParse(districtId).success || !ALERT_ID_PATTERN.test(alertId)) return null;
  return { districtId, alertId };
}

export function alertJsonSchemas() {
  return {
    version: ALERT_CONTRACT_VERSION,
    alert: z.toJSONSchema(AlertSchema),
    event: z.toJSONSchema(AlertEventSchema),
  };
}
