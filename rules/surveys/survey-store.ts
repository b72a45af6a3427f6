/**
 * Field surveys in the metadata database (node:sqlite, injected), so the grading engine can join them with the sensor
 * aggregates of the same scope and period (issue 3: "a grade can mix sensor and survey data"). Append-only: a survey
 * is evidence for a grade that may already have been reported, so it is never edited in place.
 * Times come in from the caller's clock; the store never reads a clock.
 */
import { randomUUID } from 'node:crypto';
import { SurveyInputSchema, type Survey, type SurveyInput, type SurveyKind } from '../../contracts/survey.ts';
import type { DatabaseSync } from '../../platform/sqlite.ts';
import type { SurveyRecord } from '../indices/inputs.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS surveys (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, district_id TEXT NOT NULL, site_id TEXT,
  surveyed_at_ms INTEGER NOT NULL, created_at_ms INTEGER NOT NULL, created_by TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS surveys_time ON surveys(surveyed_at_ms);
CREATE INDEX IF NOT EXISTS surveys_district_time ON surveys(district_id, surveyed_at_ms);
CREATE INDEX IF NOT EXISTS surveys_site_time ON surveys(site_id, surveyed_at_ms);
`;

export interface SurveyFilter {
  districtId?: string | undefined;
  siteId?: string | undefined;
  kind?: SurveyKind | undefined;
  /** Half-open [fromMs, toMs) on `surveyedAt`. */
  fromMs?: number | undefined;
  toMs?: number | undefined;
  limit?: number | undefined;
}

export interface SurveyStore {
  add(input: SurveyInput, meta: { createdBy: string; atMs: number }): Survey;
  get(id: string): Survey | undefined;
  /** Newest first. */
  list(filter?: SurveyFilter): Survey[];
  /** Every survey done in [fromMs, toMs), oldest first: the engine cuts them to scopes itself. */
  inRange(fromMs: number, toMs: number): Survey[];
  /** Bumps on every insert, so evaluators can tell when to recompute. */
  version(): number;
}

type Row = Record<string, unknown>;

export function createSurveyStore(db: DatabaseSync, opts: { newId?: () => string } = {}): SurveyStore {
  db.exec(SCHEMA);
  const newId = opts.newId ?? randomUUID;
  let version = 0;
  const q = {
    insert: db.prepare(`INSERT INTO surveys (id, kind, district_id, site_id, surveyed_at_ms, created_at_ms, created_by, data)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    get: db.prepare('SELECT data FROM surveys WHERE id = ?'),
    range: db.prepare('SELECT data FROM surveys WHERE surveyed_at_ms >= ? AND surveyed_at_ms < ? ORDER BY surveyed_at_ms, id'),
  };
  const parse = (row: Row | undefined): Survey | undefined => (row === undefined ? undefined : (JSON.parse(String(row.data)) as Survey));

  return {
    add(input, meta) {
      const checked = SurveyInputSchema.parse(input);
      const survey: Survey = { ...checked, id: newId(), createdAt: new Date(meta.atMs).toISOString(), createdBy: meta.createdBy };
      q.insert.run(survey.id, survey.kind, survey.districtId, survey.siteId ?? null, Date.parse(survey.surveyedAt), meta.atMs, meta.createdBy, JSON.stringify(survey));
      version += 1;
      return survey;
    },
    get: (id) => parse(q.get.get(id) as Row | undefined),
    list(filter = {}) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      const add = (sql: string, v: string | number | undefined) => {
        if (v === undefined) return;
        where.push(sql);
        params.push(v);
      };
      add('district_id = ?', filter.districtId);
      add('site_id = ?', filter.siteId);
      add('kind = ?', filter.kind);
      add('surveyed_at_ms >= ?', filter.fromMs);
      add('surveyed_at_ms < ?', filter.toMs);
      const limit = Math.max(1, Math.min(1000, Math.trunc(filter.limit ?? 100)));
      const sql = `SELECT data FROM surveys ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY surveyed_at_ms DESC, id LIMIT ${limit}`;
      return (db.prepare(sql).all(...params) as Row[]).map((r) => parse(r) as Survey);
    },
    inRange: (fromMs, toMs) => (q.range.all(fromMs, toMs) as Row[]).map((r) => parse(r) as Survey),
    version: () => version,
  };
}

/** The counts the index calculators read (rules/indices/inputs.ts); place, time and people stay with the survey. */
export function toSurveyRecord(s: Survey): SurveyRecord {
  switch (s.kind) {
    case 'rodent_rooms':
      return { kind: s.kind, id: s.id, roomsChecked: s.roomsChecked, roomsWithSigns: s.roomsWithSigns };
    case 'proofing':
      return { kind: s.kind, id: s.id, vector: s.vector, checked: s.checked, nonConforming: s.nonConforming };
    case 'path_walk':
      return { kind: s.kind, id: s.id, target: s.target, km: s.km, positiveSites: s.positiveSites };
    case 'dips':
      return { kind: s.kind, id: s.id, dips: s.dips, positiveDips: s.positiveDips, larvae: s.larvae };
    case 'landing':
      return { kind: s.kind, id: s.id, personSessions: s.personSessions, females: s.females };
    case 'fly_rooms':
      return { kind: s.kind, id: s.id, roomsChecked: s.roomsChecked, roomsWithFlies: s.roomsWithFlies, flies: s.flies };
    case 'fly_breeding_sites':
      return { kind: s.kind, id: s.id, sitesChecked: s.sitesChecked, sitesPositive: s.sitesPositive };
    case 'food_premises':
      return { kind: s.kind, id: s.id, premisesChecked: s.premisesChecked, premisesWithFlies: s.premisesWithFlies };
    case 'cockroach_rooms':
      return {
        kind: s.kind, id: s.id, roomsChecked: s.roomsChecked, roomsWithLive: s.roomsWithLive, small: s.small, large: s.large,
        roomsWithOothecae: s.roomsWithOothecae, oothecae: s.oothecae, roomsWithSigns: s.roomsWithSigns,
      };
    case 'breteau':
      return { kind: s.kind, id: s.id, households: s.households, positiveContainers: s.positiveContainers };
    case 'ovitrap':
      return { kind: s.kind, id: s.id, effectiveTraps: s.effectiveTraps, positiveTraps: s.positiveTraps };
  }
}
