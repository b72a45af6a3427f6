/**
 * Request and response shapes of the HTTP API beyond the registry and alert contracts: list filters, readings,
 * the live page's snapshot and stream events. Query strings arrive as text, hence `z.coerce` for numbers.
 */
import { z } from 'zod';
import { AlertKindSchema, AlertStateSchema } from '../alert.ts';
import { DeviceStatusValueSchema, SiteSchema } from '../registry.ts';
import { DeviceKindSchema } from '../telemetry.ts';
import { DeviceIdSchema } from '../topics.ts';

const RefIdSchema = z.string().regex(/^[A-Za-z0-9_-]{2,64}$/, 'id must match ^[A-Za-z0-9_-]{2,64}$');
const Instant = () => z.iso.datetime({ offset: true });

export const IdParamsSchema = z.strictObject({ id: z.string().min(1).max(128) });
export const DeviceIdParamsSchema = z.strictObject({ id: DeviceIdSchema });
export const RefIdParamsSchema = z.strictObject({ id: RefIdSchema });

export const DeviceListQuerySchema = z.strictObject({
  kind: DeviceKindSchema.optional(),
  siteId: RefIdSchema.optional(),
  districtId: RefIdSchema.optional(),
  contractorId: RefIdSchema.optional(),
  status: DeviceStatusValueSchema.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  afterId: z.string().optional().describe('page forward: devices with a larger id'),
});

export const AGGREGATES = ['mean', 'sum', 'min', 'max', 'count', 'last'] as const;
export const ReadingsQuerySchema = z
  .strictObject({
    deviceId: DeviceIdSchema.optional(),
    siteId: RefIdSchema.optional(),
    districtId: RefIdSchema.optional(),
    kind: DeviceKindSchema.optional().describe('required unless deviceId is given'),
    field: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/).optional().describe("default: the kind's primary field"),
    from: Instant().optional().describe('default: 24 h before `to`'),
    to: Instant().optional().describe('default: now'),
    agg: z.enum(AGGREGATES).optional().describe('default: sum for counts, mean for levels'),
    by: z.enum(['device', 'all']).default('device').describe('one series per device, or one for everything matched'),
  })
  .refine((q) => [q.deviceId, q.siteId, q.districtId].filter((x) => x !== undefined).length <= 1, {
    message: 'give at most one of deviceId, siteId, districtId',
    path: ['deviceId'],
  })
  .refine((q) => q.deviceId !== undefined || q.kind !== undefined, { message: 'kind is required unless deviceId is given', path: ['kind'] });
export type ReadingsQuery = z.infer<typeof ReadingsQuerySchema>;

export const ReadingsResponseSchema = z.strictObject({
  kind: DeviceKindSchema,
  field: z.string(),
  agg: z.enum(AGGREGATES).nullable().describe('null for raw readings'),
  interval: z.string().nullable().describe('bucket width (InfluxQL duration), null for raw readings'),
  from: Instant(),
  to: Instant(),
  series: z.array(
    z.strictObject({
      deviceId: z.string().nullable(),
      points: z.array(z.tuple([z.number().describe('epoch ms'), z.number().nullable()])),
    }),
  ),
});

export const AlertListQuerySchema = z.strictObject({
  state: AlertStateSchema.optional(),
  /** `active`: open or acknowledged. */
  status: z.enum(['active']).optional().describe('active = open or acknowledged'),
  kind: AlertKindSchema.optional(),
  districtId: RefIdSchema.optional(),
  siteId: RefIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const AcknowledgeBodySchema = z.strictObject({ note: z.string().max(4000).optional() });
export const ResolveBodySchema = z.strictObject({
  note: z.string().max(4000).optional(),
  correctiveAction: z.string().max(4000).optional().describe('required for density alerts: what was done on site'),
});
export const CommentBodySchema = z.strictObject({ text: z.string().min(1).max(4000) });

export const AuditQuerySchema = z.strictObject({
  action: z.string().max(100).optional(),
  actor: z.string().max(200).optional(),
  targetType: z.string().max(50).optional(),
  targetId: z.string().max(200).optional(),
  beforeSeq: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const DEVICE_STATES = ['ok', 'silent', 'low_battery', 'disabled'] as const;

/** One device on the live page: its latest value, the last 24 h in hourly buckets, and whether it stands out. */
export const LiveDeviceSchema = z.strictObject({
  id: z.string(),
  kind: DeviceKindSchema,
  siteId: z.string(),
  districtId: z.string(),
  contractorId: z.string(),
  label: z.string().nullable(),
  status: DeviceStatusValueSchema,
  field: z.string().describe('the primary field shown'),
  agg: z.enum(['sum', 'mean']),
  latest: z.strictObject({ at: Instant(), value: z.number().nullable(), battery: z.number().nullable() }).nullable(),
  spark: z.array(z.number().nullable()).describe('24 hourly buckets, oldest first; the last is the current hour'),
  state: z.enum(DEVICE_STATES),
});
export type LiveDevice = z.infer<typeof LiveDeviceSchema>;

export const LiveSnapshotQuerySchema = z.strictObject({ siteId: RefIdSchema.optional(), districtId: RefIdSchema.optional() });
export const LiveSnapshotSchema = z.strictObject({
  at: Instant(),
  sparkStart: Instant().describe('start of the first spark bucket'),
  silentAfterS: z.number(),
  lowBatteryPct: z.number(),
  sites: z.array(SiteSchema),
  devices: z.array(LiveDeviceSchema),
});

/** `event: reading` on GET /api/live: a reading as the broker delivered it, tagged from the registry. */
export const LiveReadingEventSchema = z.strictObject({
  deviceId: z.string(),
  kind: DeviceKindSchema,
  siteId: z.string(),
  districtId: z.string(),
  contractorId: z.string(),
  at: Instant(),
  seq: z.number(),
  field: z.string(),
  value: z.number().nullable(),
  battery: z.number().nullable(),
});
export type LiveReadingEvent = z.infer<typeof LiveReadingEventSchema>;
