/**
 * Everything the rules side gives a composition root (stack/start-stack.ts, rules/main.ts), built once:
 * the rule packs (`RULE_PACKS_DIR`) and alert policy (`RULES_POLICY_FILE`), the alert manager with its publishers
 * (shared with the API, so a person's acknowledgement is published like an engine transition), the survey store, the
 * on-demand grading, and the engine itself, which can be stopped and started again on the same database.
 * Bad packs or policy stop the start with a RuleError naming the file and path.
 */
import type { Registry as MetricsRegistry } from 'prom-client';
import type { Config } from '../../contracts/config.ts';
import type { InfluxHttp } from '../../platform/influx-http.ts';
import type { Logger } from '../../platform/logger.ts';
import type { DatabaseSync } from '../../platform/sqlite.ts';
import type { Registry } from '../../registry/registry.ts';
import type { AlertStore } from '../alerts/alert-store.ts';
import { createAlertManager, type AlertManager } from '../alerts/lifecycle.ts';
import { loadCertificationProfiles } from '../certification-profiles.ts';
import { loadPacks, type PackSet } from '../load-packs.ts';
import { createSurveyStore, type SurveyStore } from '../surveys/survey-store.ts';
import { loadAlertPolicy, type AlertPolicy } from './alert-policy.ts';
import { startAlertPublishing } from './alert-publishing.ts';
import { gradingPacks } from './density/grade-scope.ts';
import { createDayPartialsStore } from './density/day-partials-store.ts';
import { createGrading, type Grading } from './grading.ts';
import { startRulesEngine, type RulesEngine } from './start-rules-engine.ts';
import type { TelemetryFeed } from './in-process-feed.ts';

export interface RulesServiceDeps {
  config: Config;
  db: DatabaseSync;
  registry: Registry;
  influx: InfluxHttp;
  mqttUrl: string;
  servicePassword: string;
  alertStore: AlertStore;
  logger: Logger;
  metrics?: MetricsRegistry | undefined;
  /** One-process mode: readings straight from ingest (in-process-feed.ts) instead of an MQTT subscription. */
  telemetryFeed?: TelemetryFeed | undefined;
}

export interface RulesService {
  packs: PackSet;
  policy: AlertPolicy;
  manager: AlertManager;
  surveys: SurveyStore;
  grading: Grading;
  /** The running engine, if started. */
  engine(): RulesEngine | undefined;
  /** Starts the engine (no-op when running). `clock` and `deferFirstEvaluation` are for tests. */
  start(opts?: { clock?: () => number; deferFirstEvaluation?: boolean }): Promise<RulesEngine>;
  /** Stops the engine only; alert state stays in the database and the broker keeps its telemetry session. */
  stop(): Promise<void>;
  /** Re-evaluates density soon (after a survey arrives), coalescing bursts. */
  requestEvaluation(): void;
  /** Stops the engine, waits for the manager, drains and disconnects the publishers. */
  close(): Promise<void>;
}

const EVALUATE_SOON_MS = 1000;

export async function createRulesService(deps: RulesServiceDeps): Promise<RulesService> {
  const { config, logger } = deps;
  const packs = loadPacks(config.RULE_PACKS_DIR !== undefined ? { localDir: config.RULE_PACKS_DIR } : {});
  const policy = loadAlertPolicy(config.RULES_POLICY_FILE);
  const grading_ = gradingPacks(packs);
  const surveys = createSurveyStore(deps.db);
  // One roll-up store: the engine writes it, grading reads it.
  const dayStore = createDayPartialsStore(deps.db);
  const grading = createGrading({
    influx: deps.influx, registry: deps.registry, surveys, packs: grading_, profiles: loadCertificationProfiles(),
    timeZone: config.TIME_ZONE, nightWindow: policy.lampNight, dayStore,
  });
  // Ingest creates the database too, possibly later than this start; the engine writes `indicator` points itself.
  // Idempotent in InfluxDB 1.x; 2.x/3.x refuse it and map a bucket instead (DBRP), which is fine.
  await deps.influx.exec(`CREATE DATABASE "${deps.influx.target.db.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).catch((err: unknown) => {
    logger.warn({ err: (err as Error).message }, 'CREATE DATABASE refused; assuming it exists');
  });
  const publishing = await startAlertPublishing({
    config, mqttUrl: deps.mqttUrl, servicePassword: deps.servicePassword, influx: deps.influx, logger, metrics: deps.metrics,
  });
  const manager = createAlertManager({
    store: deps.alertStore, clock: Date.now, publish: publishing.publishers, logger,
    autoResolve: config.RULES_DENSITY_AUTO_RESOLVE ? { density: true } : undefined,
  });

  let engine: RulesEngine | undefined;
  let starting: Promise<RulesEngine> | undefined;
  let soon: NodeJS.Timeout | undefined;

  const service: RulesService = {
    packs, policy, manager, surveys, grading,
    engine: () => engine,
    start(opts = {}) {
      if (engine) return Promise.resolve(engine);
      starting ??= startRulesEngine({
        config, mqttUrl: deps.mqttUrl, servicePassword: deps.servicePassword, influx: deps.influx, registry: deps.registry, db: deps.db,
        alerts: { store: deps.alertStore, manager }, surveys, dayStore, packs, gradingPacks: grading_, policy, logger, metrics: deps.metrics,
        clock: opts.clock, deferFirstEvaluation: opts.deferFirstEvaluation, telemetryFeed: deps.telemetryFeed,
      }).then((e) => {
        engine = e;
        return e;
      }).finally(() => {
        starting = undefined;
      });
      return starting;
    },
    async stop() {
      clearTimeout(soon);
      const running = engine ?? (await starting);
      engine = undefined;
      await running?.close();
    },
    requestEvaluation() {
      if (soon !== undefined) return;
      soon = setTimeout(() => {
        soon = undefined;
        void engine?.evaluateDensity().catch((err: unknown) => logger.warn({ err }, 'density evaluation after a new survey failed'));
      }, EVALUATE_SOON_MS);
      soon.unref();
    },
    async close() {
      await service.stop();
      await manager.idle();
      await publishing.close();
      await dayStore.close();
    },
  };
  return service;
}
