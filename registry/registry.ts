/**
 * The device registry: districts, contractors, sites and devices in SQLite (node:sqlite) under DATA_DIR.
 * Static facts about a device live here, never in readings; ingest tags points from here and the broker
 * checks CONNECT credentials against it.
 *
 * Device passwords are generated here (256 random bits) and only a salted SHA-256 of them is stored. A fast hash
 * is deliberate: these secrets are machine-generated with full entropy, so there is no dictionary to slow down
 * (the same reasoning as API tokens), and a slow KDF would turn a reconnect storm of 20,000 devices into minutes
 * of CPU at the broker. People's passwords (issue 4) use a slow hash.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { CodedError } from '../platform/coded-error.ts';
import { transaction } from '../platform/sqlite.ts';
import {
  DeviceRegistrationSchema,
  type Contractor,
  type Device,
  type DeviceAuthResult,
  type DeviceAuthenticator,
  type DeviceCredential,
  type DeviceDirectory,
  type DeviceRegistrationInput,
  type District,
  type ReferenceData,
  type Site,
} from '../contracts/registry.ts';
import type { DeviceKind } from '../contracts/telemetry.ts';

/** Registry failures, classified by what the caller must do (STYLE principle 7). */
export type RegistryErrorCode = 'DEVICE_EXISTS' | 'DEVICE_NOT_FOUND' | 'SITE_NOT_FOUND' | 'REFERENCE_INVALID';
export class RegistryError extends CodedError<RegistryErrorCode> {
  override name = 'RegistryError';
}

export interface DeviceFilter {
  kind?: DeviceKind;
  siteId?: string;
  districtId?: string;
  contractorId?: string;
  status?: Device['status'];
  limit?: number;
  afterId?: string;
}

export interface Registry extends DeviceDirectory, DeviceAuthenticator {
  upsertReference(ref: ReferenceData): void;
  listDistricts(): District[];
  listContractors(): Contractor[];
  listSites(): Site[];
  getSite(id: string): Site | undefined;
  /** Registers a device and returns its password: the only time it exists outside the device. */
  registerDevice(input: DeviceRegistrationInput): DeviceCredential;
  /** Issues a new password; the old one stops working at the next CONNECT. */
  rotateCredential(id: string): DeviceCredential;
  setStatus(id: string, status: Device['status']): Device;
  listDevices(filter?: DeviceFilter): Device[];
  countDevices(): number;
  /** Bumps on every change, so caches can tell when to reload. */
  version(): number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS districts (id TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contractors (id TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sites (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT NOT NULL, type TEXT NOT NULL,
  district_id TEXT NOT NULL REFERENCES districts(id), contractor_id TEXT NOT NULL REFERENCES contractors(id));
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, site_id TEXT NOT NULL REFERENCES sites(id),
  placement TEXT NOT NULL, sampling_point TEXT, lat REAL, lon REAL, label TEXT,
  status TEXT NOT NULL DEFAULT 'active', secret_salt BLOB NOT NULL, secret_hash BLOB NOT NULL,
  created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS devices_site ON devices(site_id);
`;

interface DeviceRow {
  id: string; kind: string; site_id: string; district_id: string; contractor_id: string; placement: string;
  sampling_point: string | null; lat: number | null; lon: number | null; label: string | null; status: string;
  created_at: string;
}

const DEVICE_SELECT = `SELECT d.id, d.kind, d.site_id, s.district_id, s.contractor_id, d.placement, d.sampling_point,
  d.lat, d.lon, d.label, d.status, d.created_at FROM devices d JOIN sites s ON s.id = d.site_id`;

function toDevice(r: DeviceRow): Device {
  return {
    id: r.id,
    kind: r.kind as Device['kind'],
    siteId: r.site_id,
    districtId: r.district_id,
    contractorId: r.contractor_id,
    placement: r.placement as Device['placement'],
    samplingPoint: r.sampling_point as Device['samplingPoint'],
    location: r.lat !== null && r.lon !== null ? { lat: r.lat, lon: r.lon } : null,
    label: r.label,
    status: r.status as Device['status'],
    createdAt: r.created_at,
  };
}

const hashSecret = (salt: Buffer, password: string): Buffer => createHash('sha256').update(salt).update(password, 'utf8').digest();
const newPassword = (): string => randomBytes(32).toString('base64url');

export function openRegistry(db: DatabaseSync, opts: { clock?: () => number; cacheTtlMs?: number } = {}): Registry {
  const clock = opts.clock ?? Date.now;
  db.exec(SCHEMA);
  let version = 0;

  const stmt = {
    getDevice: db.prepare(`${DEVICE_SELECT} WHERE d.id = ?`),
    getSecret: db.prepare('SELECT status, secret_salt, secret_hash FROM devices WHERE id = ?'),
    getSite: db.prepare('SELECT id, name, name_en, type, district_id, contractor_id FROM sites WHERE id = ?'),
    insertDevice: db.prepare(`INSERT INTO devices (id, kind, site_id, placement, sampling_point, lat, lon, label,
      status, secret_salt, secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)`),
    setSecret: db.prepare('UPDATE devices SET secret_salt = ?, secret_hash = ? WHERE id = ?'),
    setStatus: db.prepare('UPDATE devices SET status = ? WHERE id = ?'),
    count: db.prepare('SELECT count(*) AS n FROM devices'),
  };

  // Every reading looks its device up (ingest, rules, the live feed): a small read-through cache keeps that off
  // SQLite. Changes made through this registry clear it at once; changes by another process (the device CLI, a
  // separate API) are seen within `cacheTtlMs`.
  const cacheTtlMs = opts.cacheTtlMs ?? 2000;
  const cache = new Map<string, { device: Device | undefined; atMs: number }>();
  let cachedVersion = -1;
  const getDevice = (id: string): Device | undefined => {
    const now = clock();
    if (cachedVersion !== version) {
      cache.clear();
      cachedVersion = version;
    }
    const hit = cache.get(id);
    if (hit && now - hit.atMs < cacheTtlMs) return hit.device;
    const row = stmt.getDevice.get(id) as DeviceRow | undefined;
    const device = row ? toDevice(row) : undefined;
    if (cache.size >= 100_000) cache.clear();
    cache.set(id, { device, atMs: now });
    return device;
  };
  const mustGetDevice = (id: string): Device => {
    const d = getDevice(id);
    if (!d) throw new RegistryError('DEVICE_NOT_FOUND', `device ${id} is not registered`);
    return d;
  };
  const credential = (device: Device, password: string): DeviceCredential => ({ device, username: device.id, password });

  return {
    upsertReference(ref) {
      transaction(db, () => {
        const d = db.prepare('INSERT INTO districts (id, name, name_en) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en');
        for (const x of ref.districts) d.run(x.id, x.name, x.nameEn);
        const c = db.prepare('INSERT INTO contractors (id, name, name_en) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en');
        for (const x of ref.contractors) c.run(x.id, x.name, x.nameEn);
        const s = db.prepare(`INSERT INTO sites (id, name, name_en, type, district_id, contractor_id) VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, type = excluded.type,
          district_id = excluded.district_id, contractor_id = excluded.contractor_id`);
        for (const x of ref.sites) {
          try {
            s.run(x.id, x.name, x.nameEn, x.type, x.districtId, x.contractorId);
          } catch (err) {
            throw new RegistryError('REFERENCE_INVALID', `site ${x.id}: unknown district or contractor (${(err as Error).message})`);
          }
        }
      });
      version++;
    },
    listDistricts: () =>
      (db.prepare('SELECT id, name, name_en FROM districts ORDER BY id').all() as { id: string; name: string; name_en: string }[]).map(
        (r) => ({ id: r.id, name: r.name, nameEn: r.name_en }),
      ),
    listContractors: () =>
      (db.prepare('SELECT id, name, name_en FROM contractors ORDER BY id').all() as { id: string; name: string; name_en: string }[]).map(
        (r) => ({ id: r.id, name: r.name, nameEn: r.name_en }),
      ),
    listSites: () => (db.prepare('SELECT id, name, name_en, type, district_id, contractor_id FROM sites ORDER BY id').all() as unknown as SiteRow[]).map(toSite),
    getSite: (id) => {
      const r = stmt.getSite.get(id) as SiteRow | undefined;
      return r ? toSite(r) : undefined;
    },
    registerDevice(input) {
      const reg = DeviceRegistrationSchema.parse(input);
      if (!stmt.getSite.get(reg.siteId)) throw new RegistryError('SITE_NOT_FOUND', `site ${reg.siteId} does not exist`);
      if (stmt.getSecret.get(reg.id)) throw new RegistryError('DEVICE_EXISTS', `device ${reg.id} is already registered`);
      const password = newPassword();
      const salt = randomBytes(16);
      stmt.insertDevice.run(
        reg.id, reg.kind, reg.siteId, reg.placement, reg.samplingPoint ?? null, reg.location?.lat ?? null,
        reg.location?.lon ?? null, reg.label ?? null, salt, hashSecret(salt, password), new Date(clock()).toISOString(),
      );
      version++;
      return credential(mustGetDevice(reg.id), password);
    },
    rotateCredential(id) {
      const device = mustGetDevice(id);
      const password = newPassword();
      const salt = randomBytes(16);
      stmt.setSecret.run(salt, hashSecret(salt, password), id);
      version++;
      return credential(device, password);
    },
    setStatus(id, status) {
      mustGetDevice(id);
      stmt.setStatus.run(status, id);
      version++;
      return mustGetDevice(id);
    },
    getDevice,
    listDevices(filter = {}) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      const add = (sql: string, v: string | undefined) => {
        if (v !== undefined) {
          where.push(sql);
          args.push(v);
        }
      };
      add('d.kind = ?', filter.kind);
      add('d.site_id = ?', filter.siteId);
      add('s.district_id = ?', filter.districtId);
      add('s.contractor_id = ?', filter.contractorId);
      add('d.status = ?', filter.status);
      add('d.id > ?', filter.afterId);
      const sql = `${DEVICE_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY d.id LIMIT ?`;
      args.push(Math.min(Math.max(filter.limit ?? 1000, 1), 10_000));
      return (db.prepare(sql).all(...args) as unknown as DeviceRow[]).map(toDevice);
    },
    countDevices: () => Number((stmt.count.get() as { n: number }).n),
    verifyDevice(id, password): DeviceAuthResult {
      const row = stmt.getSecret.get(id) as { status: string; secret_salt: Uint8Array; secret_hash: Uint8Array } | undefined;
      if (!row) return 'unknown';
      const expected = Buffer.from(row.secret_hash);
      const actual = hashSecret(Buffer.from(row.secret_salt), password);
      if (!timingSafeEqual(expected, actual)) return 'bad_password';
      return row.status === 'active' ? 'ok' : 'disabled';
    },
    version: () => version,
  };
}

interface SiteRow { id: string; name: string; name_en: string; type: string; district_id: string; contractor_id: string }
const toSite = (r: SiteRow): Site => ({
  id: r.id, name: r.name, nameEn: r.name_en, type: r.type as Site['type'], districtId: r.district_id, contractorId: r.contractor_id,
});
