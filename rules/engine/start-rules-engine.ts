/**
 * The running rules engine (issue 3), used by stack/start-stack.ts (one process) and rules/main.ts (alone):
 * 1. device rules on the telemetry stream (`svc:rules`, persistent MQTT session): water, bins, device health;
 * 2. density every `RULES_EVAL_INTERVAL_MS`: indicators of the current periods → `indicator` points, and density and
 *    dengue alerts for the alerting period;
 * 3. a tick every `RULES_TICK_MS`: silence and bin-emptying checks, then escalation (`manager.tick()`);
 * 4. at start, `manager.redeliver()` publishes transitions a previous run committed but did not publish.
 * All state is in the metadata database (alerts, conditions, last seen, bin episodes), so `close()` and a new start
 * on the same database neither lose nor duplicate an alert.
 */
import type { Registry as MetricsRegistry } from 'prom-client';
import type { Config } from '../../contracts/config.ts';
import type { PolicyPack, RangePack } from '../../contracts/rule-pack.ts';
import type { InfluxHttp } from '../../platform/influx-http.ts';
import type { Logger } from '../../platform/logger.ts';
import type { DatabaseSync } from '../../platform/sqlite.ts';
import type { Registry } from '../../registry/registry.ts';
import type { AlertStore } from '../alerts/alert-store.ts';
import type { AlertManager } from '../alerts/lifecycle.ts';
import { RuleError } from '../errors.ts';
import type { PackSet } from '../load-packs.ts';
import type { AlertPolicy } from './alert-policy.ts';
import { buildDensityRules } from './density/density-rules.ts';
import type { DayPartialsStore } from './density/day-partials-store.ts';
import { createDensityEvaluator, type DensityRun, type EvaluatedPeriodKind } from './density/evaluate-density.ts';
import type { GradingPacks } from './density/grade-scope.ts';
import { createDeviceMonitor, type DeviceMonitorStats } from './device-monitor.ts';
import { buildDeviceRules } from './device-rules.ts';
import { createDeviceState } from './device-state.ts';
import { createRulesMetrics, registerObserverMetrics, registerRollUpMetrics } from './metrics.ts';
import { connectTelemetry } from './mqtt-connections.ts';
import type { TelemetryFeed } from './in-process-feed.ts';
import { createObserver } from './observer.ts';
import type { SurveyStore } from '../surveys/survey-store.ts';

export interface RulesEngineDeps {
  config: Pick<Config, 'TIME_ZONE' | 'RULES_EVAL_INTERVAL_MS' | 'RULES_TICK_MS' | 'RULES_PERIOD_KINDS' | 'RULES_ALERT_PERIOD_KIND' | 'RULES_ROLLUP_LATE_HOURS' | 'RULES_REPEAT_UPDATE_MS'>;
  mqttUrl: string;
  servicePassword: string;
  influx: Pick<InfluxHttp, 'query' | 'write'>;
  registry: Registry;
  db: DatabaseSync;
  alerts: { store: AlertStore; manager: AlertManager };
  surveys: Pick<SurveyStore, 'inRange'>;
  /** Daily roll-ups of the density inputs (metadata database), kept up to date by the density evaluator. */
  dayStore: DayPartialsStore;
  packs: PackSet;
  gradingPacks: GradingPacks;
  policy: AlertPolicy;
  logger: Logger;
  metrics?: MetricsRegistry | undefined;
  /** Epoch ms for density periods, silence and bin windows; default Date.now. */
  clock?: (() => number) | undefined;
  /** Don't run the first density evaluation at start (tests drive it with `evaluateDensity`). */
  deferFirstEvaluation?: boolean | undefined;
  /** In the broker's process: readings straight from ingest instead of an MQTT subscription (in-process-feed.ts). */
  telemetryFeed?: TelemetryFeed | undefined;
}

export interface RulesEngine {
  /** Evaluates the density indicators of the current periods now (also runs on its timer). */
  evaluateDensity(): Promise<DensityRun>;
  /** Silence and bin-emptying checks, then escalation, now (also runs on its timer). */
  tick(): Promise<void>;
  stats(): { devices: DeviceMonitorStats; observer: { observed: number; skipped: number; folded: number }; lastDensityRun: DensityRun | null };
  connected(): boolean;
  /** Stops timers and the telemetry session (the broker keeps it), waits for work in flight, flushes state. */
  close(): Promise<void>;
}

const STATE_FLUSH_MS = 1000;

function packOfType<T extends 'range' | 'policy'>(packs: PackSet, type: T): T extends 'range' ? RangePack : PolicyPack {
  const found = [...packs.packs.values()].map((l) => l.pack).filter((p) => p.type === type && p.status !== 'superseded');
  if (found.length !== 1) throw new RuleError('RULE_PACK_AMBIGUOUS', `${found.length} ${type} packs loaded; the rules engine needs exactly one`);
  return found[0] as T extends 'range' ? RangePack : PolicyPack;
}

export async function startRulesEngine(deps: RulesEngineDeps): Promise<RulesEngine> {
  const { config, logger } = deps;
  const log = logger.child({ component: 'rules' });
  const clock = deps.clock ?? Date.now;
  const { store, manager } = deps.alerts;
  const metrics = createRulesMetrics(deps.metrics);

  const binPack = packOfType(deps.packs, 'policy');
  const deviceRules = buildDeviceRules({ water: packOfType(deps.packs, 'range'), bin: binPack }, deps.policy);
  const densityRules = buildDensityRules(deps.gradingPacks, deps.policy);
  const observer = createObserver(manager, store, { foldRepeatsMs: config.RULES_REPEAT_UPDATE_MS, clock });
  const state = createDeviceState(deps.db);
  const monitor = createDeviceMonitor({
    rules: deviceRules, binRules: binPack.rules, observer, state, directory: deps.registry, registry: deps.registry, clock, logger: log,
  });
  const density = createDensityEvaluator({
    influx: deps.influx, registry: deps.registry, surveys: deps.surveys, packs: deps.gradingPacks, rules: densityRules, observer,
    timeZone: config.TIME_ZONE, nightWindow: deps.policy.lampNight, periodKinds: config.RULES_PERIOD_KINDS as EvaluatedPeriodKind[],
    alertPeriodKind: config.RULES_ALERT_PERIOD_KIND, clock, logger: log, dayStore: deps.dayStore,
    rollUpLateMs: config.RULES_ROLLUP_LATE_HOURS * 3_600_000,
  });

  registerRollUpMetrics(deps.metrics, () => density.rollUps());
  registerObserverMetrics(deps.metrics, () => observer.stats());

  const redelivered = await manager.redeliver();
  if (redelivered > 0) log.info({ redelivered }, 'published alert transitions left over by the previous run');

  // Synchronous: the transitions of a reading are committed when handle() returns, and the in-process feed then
  // needs no promise per reading.
  const onReading = (topic: string, payload: Buffer): void => {
    const t0 = performance.now();
    monitor.handle(topic, payload);
    metrics.readingSeconds.observe((performance.now() - t0) / 1000);
  };
  const telemetry = deps.telemetryFeed
    ? { ...deps.telemetryFeed.subscribe(onReading), connected: () => true }
    : connectTelemetry({ url: deps.mqttUrl, password: deps.servicePassword, logger: log, onMessage: async (topic, payload) => onReading(topic, payload) });

  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };

  async function evaluateDensity(): Promise<DensityRun> {
    const run = await density.evaluate();
    metrics.densitySeconds.observe(run.durationMs / 1000);
    return run;
  }
  async function tick(): Promise<void> {
    await observer.flush();
    await monitor.checkTimers();
    await manager.tick();
    // Transitions made by another process without publishers (the API running alone) wait in the outbox.
    await manager.redeliver();
  }
  const safely = (what: string, fn: () => Promise<unknown>) => () => {
    void track(fn()).catch((err: unknown) => log.error({ err }, `${what} failed; retrying on the next schedule`));
  };

  const timers = [
    setInterval(safely('density evaluation', evaluateDensity), config.RULES_EVAL_INTERVAL_MS),
    setInterval(safely('rules tick', tick), config.RULES_TICK_MS),
    setInterval(() => state.flush(), STATE_FLUSH_MS),
  ];
  for (const t of timers) t.unref();
  if (!deps.deferFirstEvaluation) safely('density evaluation', evaluateDensity)();
  log.info({ evalIntervalMs: config.RULES_EVAL_INTERVAL_MS, tickMs: config.RULES_TICK_MS, periods: config.RULES_PERIOD_KINDS }, 'rules engine started');

  let closed = false;
  return {
    evaluateDensity: () => track(evaluateDensity()),
    tick: () => track(tick()),
    stats: () => {
      const devices = monitor.stats();
      return { devices, observer: observer.stats(), lastDensityRun: density.lastRun() };
    },
    connected: telemetry.connected,
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearInterval(t);
      await telemetry.close();
      await Promise.allSettled([...inFlight]);
      await density.close();
      await observer.flush({ all: true });
      state.flush();
      await manager.idle();
      log.info(monitor.stats(), 'rules engine stopped');
    },
  };
}
