/**
 * Rules-engine metrics (prom-client) on the injected registry, reused when already registered so a composition root
 * can stop and start the engine in one process.
 */
import { Histogram, type Registry } from 'prom-client';

export interface RulesMetrics {
  readingSeconds: Histogram;
  densitySeconds: Histogram;
}

function histogram(registry: Registry | undefined, name: string, help: string, buckets: number[]): Histogram {
  const existing = registry?.getSingleMetric(name);
  if (existing instanceof Histogram) return existing;
  return new Histogram({ name, help, buckets, registers: registry ? [registry] : [] });
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
