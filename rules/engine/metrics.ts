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

/**
 * Daily roll-ups of the density inputs (day-partials.ts): closed days of the current and previous periods still to
 * roll up (0 once the engine has caught up: grades of those periods then read no raw readings), and days rolled up.
 */
export function registerRollUpMetrics(registry: Registry | undefined, state: () => { missing: number; rolledUp: number; refreshed: number }): void {
  if (!registry) return;
  registry.removeSingleMetric('vectorwatch_rules_rollup_missing_days');
  registry.removeSingleMetric('vectorwatch_rules_rollup_days_total');
  new Gauge({
    name: 'vectorwatch_rules_rollup_missing_days',
    help: 'closed local days of the current and previous periods not yet rolled up for grading',
    registers: [registry],
    collect() {
      this.set(state().missing);
    },
  });
  new Counter({
    name: 'vectorwatch_rules_rollup_days_total',
    help: 'days rolled up from InfluxDB into the grading roll-up (first time, or refreshed for late readings)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      const s = state();
      this.reset();
      this.inc({ reason: 'new' }, s.rolledUp);
      this.inc({ reason: 'refresh' }, s.refreshed);
    },
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
