/**
 * Grades and certification of any scope and period, on demand (issue 3: `GET /api/grades`, `GET /api/compliance`):
 * per-device aggregates of that scope only, from the engine's daily roll-ups where it has made them and from InfluxDB
 * for the other days (day-partials.ts), the field surveys of the period, the worst-of grade per
 * vector, the dengue bands, and the hygienic-city verdict under a profile chosen per request (`national`,
 * `provincial-legacy`; standards.md §4). Nothing is written and no alert is raised: that is the engine's schedule.
 */
import type { CertificationProfile } from '../../contracts/rule-pack.ts';
import type { InfluxHttp } from '../../platform/influx-http.ts';
import type { Registry } from '../../registry/registry.ts';
import { certify, type CertificationResult } from '../certify.ts';
import { RuleError } from '../errors.ts';
import type { NightWindow } from '../lamp-nights.ts';
import type { Period } from '../periods.ts';
import type { SurveyStore } from '../surveys/survey-store.ts';
import { describeGrades, type GradesReport } from './density/describe-grades.ts';
import type { DayPartialsStore } from './density/day-partials-store.ts';
import { createDayPartials, type AggregateBasis } from './density/day-partials.ts';
import { allDevices } from './density/evaluate-density.ts';
import { gradeScope, inScope, type GradingPacks, type Scope, type ScopeGrades } from './density/grade-scope.ts';

export interface ComplianceReport {
  profile: { id: string; name: CertificationProfile['name']; status: CertificationProfile['status'] };
  outcome: CertificationResult['outcome'];
  checks: CertificationResult['checks'];
  vectors: CertificationResult['vectors'];
  grades: GradesReport & { sensorData: SensorDataBasis };
}

/** Where the sensor data of a report came from (shown with the grades, so a reader knows what is rolled up). */
export interface SensorDataBasis extends AggregateBasis {
  /** When the grades were computed. */
  asOf: string;
}

export interface Grading {
  grades(scope: Scope, period: Period, opts?: { evidenceIds?: boolean }): Promise<{ report: GradesReport & { sensorData: SensorDataBasis }; grades: ScopeGrades }>;
  compliance(scope: Scope, period: Period, profileId: string, opts?: { evidenceIds?: boolean }): Promise<ComplianceReport>;
  profileIds(): string[];
}

export function createGrading(deps: {
  influx: Pick<InfluxHttp, 'query'>;
  registry: Pick<Registry, 'listDevices'>;
  surveys: Pick<SurveyStore, 'inRange'>;
  packs: GradingPacks;
  profiles: ReadonlyMap<string, CertificationProfile>;
  timeZone: string;
  nightWindow: NightWindow;
  /** The rules engine's daily roll-ups: days it has rolled up are read from here, the rest from InfluxDB. */
  dayStore: DayPartialsStore;
  clock?: () => number;
}): Grading {
  const clock = deps.clock ?? Date.now;
  const days = createDayPartials({ influx: deps.influx, store: deps.dayStore, timeZone: deps.timeZone, nightWindow: deps.nightWindow });
  async function grades(scope: Scope, period: Period, opts: { evidenceIds?: boolean } = {}) {
    const where = scope.level === 'district' ? { districtId: scope.id } : scope.level === 'site' ? { siteId: scope.id } : {};
    const devices = allDevices(deps.registry, where);
    const nowMs = clock();
    const { aggregates, basis } = await days.aggregates(period, where, devices);
    const surveys = deps.surveys.inRange(period.startMs, period.endMs).filter((s) => inScope(scope, s));
    const g = gradeScope(deps.packs, scope, aggregates, surveys);
    return { report: { ...describeGrades(deps.packs, g, period, opts), sensorData: { ...basis, asOf: new Date(nowMs).toISOString() } }, grades: g };
  }
  return {
    grades,
    async compliance(scope, period, profileId, opts = {}) {
      const profile = deps.profiles.get(profileId);
      if (profile === undefined)
        throw new RuleError('RULE_INPUT_INVALID', `no certification profile '${profileId}' (known: ${[...deps.profiles.keys()].join(', ')})`);
      const { report, grades: g } = await grades(scope, period, opts);
      const result = certify(profile, g.vectors);
      return {
        profile: { id: profile.id, name: profile.name, status: profile.status },
        outcome: result.outcome,
        // An unbounded ratio (a C limit of 0) serialises as null; `detail` says so in words.
        checks: result.checks,
        vectors: result.vectors,
        grades: report,
      };
    },
    profileIds: () => [...deps.profiles.keys()],
  };
}
