/**
 * Rules-engine metrics (prom-client) on the injected registry, reused when already registered so a composition root
 * can stop and start the engine in one process.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RulesMetrics {
  readingSeconds: Histogram;
  densitySeconds: Histogram;
}

function histogram(registry: Registry | undefined, name: string, help: string, buckets: number[]): Histogram {
  const existing = registry?.getSingleMetric(name);
  if (existing instanceof Histogram) return existing;
  return new Histogram({ name, help, buckets, registers: registry ? [registry] : [] });
}

/** A counter whose values are read from running totals at scrape time, one series per key of `totals()`. */
function snapshotCounter(registry: Registry, name: string, help: string, label: string, totals: () => Record<string, number>): void {
  registry.removeSingleMetric(name);
  new Counter({
    name, help, labelNames: [label], registers: [registry],
    collect() {
      this.reset();
      for (const [value, n] of Object.entries(totals())) this.inc({ [label]: value }, n);
    },
  });
}

/**
 * Daily roll-ups of the density inputs (day-partials.ts): closed days of the current and previous periods still to
 * roll up (0 once the engine has caught up: grades of those periods then read no raw readings), and days rolled up.
 */
export function registerRollUpMetrics(registry: Registry | undefined, state: () => { missing: number; rolledUp: number; refreshed: number }): void {
  if (!registry) return;
  registry.removeSingleMetric('vectorwatch_rules_rollup_missing_days');
  new Gauge({
    name: 'vectorwatch_rules_rollup_missing_days',
    help: 'closed local days of the current and previous periods not yet rolled up for grading',
    registers: [registry],
    collect() {
      this.set(state().missing);
    },
  });
  snapshotCounter(registry, 'vectorwatch_rules_rollup_days_total', 'days rolled up from InfluxDB into the grading roll-up (first time, or refreshed for late readings)', 'reason', () => {
    const s = state();
    return { new: s.rolledUp, refresh: s.refreshed };
  });
}

/**
 * What the observer (observer.ts) did with device- and density-rule observations: passed to the alert manager,
 * skipped as no-ops, or folded into an open alert as repeat breaches to be written with its next update.
 */
export function registerObserverMetrics(registry: Registry | undefined, stats: () => { observed: number; skipped: number; folded: number }): void {
  if (!registry) return;
  snapshotCounter(registry, 'vectorwatch_rules_observations_total', 'rule observations by outcome: evaluated (a transaction), skipped (no-op), folded (repeat breach counted into its open alert)', 'outcome', () => {
    const s = stats();
    return { evaluated: s.observed, skipped: s.skipped, folded: s.folded };
  });
}

export function createRulesMetrics(registry: Registry | undefined): RulesMetrics {
  return {
    readingSeconds: histogram(registry, 'vectorwatch_rules_reading_seconds', 'device rules: one reading decoded, evaluated and its transitions published', [
      0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2,
    ]),
    densitySeconds: histogram(registry, 'vectorwatch_rules_density_seconds', 'one density evaluation of the current periods (queries, grading, points, alerts)', [
      0.1, 0.25, 0.5, 1, 2, 5, 10, 30,
    ]),
  };
}
