/** One entry of the append-only, hash-chained audit log (registry/audit.ts; peers.md §3 item 6). */
import { z } from 'zod';

export const AuditEntrySchema = z.strictObject({
  seq: z.number().int().min(1),
  at: z.iso.datetime({ offset: true }),
  actor: z.string().describe('user:<username>, token:<name> or admin-token'),
  actorRole: z.string().nullable(),
  action: z.string().describe('e.g. device.disable, alert.acknowledge, session.login_failed'),
  targetType: z.string(),
  targetId: z.string().nullable(),
  districtId: z.string().nullable(),
  siteId: z.string().nullable(),
  before: z.unknown().describe('the target before the change (null when created)'),
  after: z.unknown().describe('the target after the change (null when removed)'),
  prevHash: z.string().describe('hash of the previous entry (64 zeros for the first)'),
  hash: z.string().describe('SHA-256 over prevHash and this entry in canonical JSON'),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditVerificationSchema = z.union([
  z.strictObject({ ok: z.literal(true), entries: z.number().int(), lastHash: z.string() }),
  z.strictObject({ ok: z.literal(false), entries: z.number().int(), brokenAtSeq: z.number().int(), reason: z.string() }),
]);
export type AuditVerification = z.infer<typeof AuditVerificationSchema>;
