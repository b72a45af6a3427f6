/**
 * Static facts about devices and the places they watch. A device belongs to one site; a site belongs to
 * one district and is served by one contractor. Readings carry none of this: ingest tags points from here.
 */
import { z } from 'zod';
import { DeviceIdSchema } from './topics.ts';
import { DeviceKindSchema } from './telemetry.ts';

const RefIdSchema = z.string().regex(/^[A-Za-z0-9_-]{2,64}$/, 'id must match ^[A-Za-z0-9_-]{2,64}$');

export const DistrictSchema = z.strictObject({
  id: RefIdSchema,
  name: z.string().min(1).max(100).describe('Chinese name, e.g. 越秀区'),
  nameEn: z.string().min(1).max(100),
});
export type District = z.infer<typeof DistrictSchema>;

export const ContractorSchema = z.strictObject({
  id: RefIdSchema,
  name: z.string().min(1).max(200),
  nameEn: z.string().min(1).max(200),
});
export type Contractor = z.infer<typeof ContractorSchema>;

/** Priority premises named by hygienic-city reviews (markets, restaurants, toilets, transfer stations…). */
export const SITE_TYPES = [
  'market', 'restaurant', 'residential', 'school', 'hospital', 'park', 'public_toilet',
  'transfer_station', 'waterworks', 'street', 'other',
] as const;

export const SiteSchema = z.strictObject({
  id: RefIdSchema,
  name: z.string().min(1).max(200),
  nameEn: z.string().min(1).max(200),
  districtId: RefIdSchema,
  contractorId: RefIdSchema,
  type: z.enum(SITE_TYPES),
});
export type Site = z.infer<typeof SiteSchema>;

export const PlacementSchema = z.enum(['indoor', 'outdoor']);
/** GB 5749-2022 applies different residual-chlorine floors at the works outlet and at the tap. */
export const SamplingPointSchema = z.enum(['finished', 'tap', 'secondary']);
export const LocationSchema = z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });

export const DeviceRegistrationSchema = z
  .strictObject({
    id: DeviceIdSchema,
    kind: DeviceKindSchema,
    siteId: RefIdSchema,
    placement: PlacementSchema.default('indoor'),
    samplingPoint: SamplingPointSchema.optional().describe('required for water_probe'),
    location: LocationSchema.optional(),
    label: z.string().max(200).optional(),
  })
  .refine((d) => d.kind !== 'water_probe' || d.samplingPoint !== undefined, {
    message: 'samplingPoint is required for water_probe devices',
    path: ['samplingPoint'],
  })
  .refine((d) => d.kind === 'water_probe' || d.samplingPoint === undefined, {
    message: 'samplingPoint applies to water_probe devices only',
    path: ['samplingPoint'],
  });
export type DeviceRegistration = z.infer<typeof DeviceRegistrationSchema>;
/** What a caller may send: `placement` defaults to indoor. */
export type DeviceRegistrationInput = z.input<typeof DeviceRegistrationSchema>;

export const DeviceStatusValueSchema = z.enum(['active', 'disabled']);

/** A device as the registry shows it: never with its secret. */
export const DeviceSchema = z.strictObject({
  id: DeviceIdSchema,
  kind: DeviceKindSchema,
  siteId: RefIdSchema,
  districtId: RefIdSchema,
  contractorId: RefIdSchema,
  placement: PlacementSchema,
  samplingPoint: SamplingPointSchema.nullable(),
  location: LocationSchema.nullable(),
  label: z.string().nullable(),
  status: DeviceStatusValueSchema,
  createdAt: z.string(),
});
export type Device = z.infer<typeof DeviceSchema>;

/** Returned once, at registration or rotation: the only time the password exists outside the device. */
export const DeviceCredentialSchema = z.strictObject({
  device: DeviceSchema,
  username: z.string(),
  password: z.string(),
});
export type DeviceCredential = z.infer<typeof DeviceCredentialSchema>;

/** Seeded reference data: districts, contractors, sites. */
export const ReferenceDataSchema = z.strictObject({
  districts: z.array(DistrictSchema).min(1),
  contractors: z.array(ContractorSchema).min(1),
  sites: z.array(SiteSchema).min(1),
});
export type ReferenceData = z.infer<typeof ReferenceDataSchema>;

/** Read access to the registry, as ingest needs it (synchronous: SQLite via node:sqlite, or a cache). */
export interface DeviceDirectory {
  getDevice(id: string): Device | undefined;
}

export type DeviceAuthResult = 'ok' | 'unknown' | 'disabled' | 'bad_password';

/** How the broker checks a device's CONNECT credentials. Only a hash of the password is stored. */
export interface DeviceAuthenticator {
  verifyDevice(id: string, password: string): DeviceAuthResult;
}
