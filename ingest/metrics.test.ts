import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createIngestMetrics } from './metrics.ts';

const value = async (registry: Registry, name: string, labels: Record<string, string> = {}) =>
  (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;

describe('ingest metrics', () => {
  it('report the hot path counts in their counters, with any direct increments, once each', async () => {
    const registry = new Registry();
    const metrics = createIngestMetrics(registry);
    metrics.tally.received += 3;
    metrics.tally.accepted += 2;
    metrics.countStored('bin_sensor');
    metrics.countStored('bin_sensor');
    metrics.countStored('water_probe');
    metrics.received.inc();
    metrics.stored.inc({ kind: 'bin_sensor' }, 5);
    expect(await value(registry, 'vectorwatch_ingest_received_total')).toBe(4);
    expect(await value(registry, 'vectorwatch_ingest_accepted_total')).toBe(2);
    expect(await value(registry, 'vectorwatch_ingest_stored_total', { kind: 'bin_sensor' })).toBe(7);
    expect(await value(registry, 'vectorwatch_ingest_stored_total', { kind: 'water_probe' })).toBe(1);
    expect(await value(registry, 'vectorwatch_ingest_stored_total', { kind: 'rodent_station' })).toBe(0);
    // Read twice: nothing is added twice.
    expect(await value(registry, 'vectorwatch_ingest_received_total')).toBe(4);
    const text = await registry.metrics();
    expect(text).toContain('# HELP vectorwatch_ingest_received_total MQTT telemetry messages received\n');
    expect(text).toContain('vectorwatch_ingest_received_total 4\n');
    expect(text).toContain('vectorwatch_ingest_stored_total{kind="bin_sensor"} 7\n');
  });

  it('share the counts when ingest is created again on the same registry', async () => {
    const registry = new Registry();
    const first = createIngestMetrics(registry);
    first.tally.received++;
    first.countStored('sticky_trap');
    const second = createIngestMetrics(registry);
    second.tally.received++;
    second.countStored('sticky_trap');
    expect(second.received).toBe(first.received);
    expect(await value(registry, 'vectorwatch_ingest_received_total')).toBe(2);
    expect(await value(registry, 'vectorwatch_ingest_stored_total', { kind: 'sticky_trap' })).toBe(2);
  });

  it('count a kind it does not know in its own series', async () => {
    const registry = new Registry();
    createIngestMetrics(registry).countStored('constructor');
    expect(await value(registry, 'vectorwatch_ingest_stored_total', { kind: 'constructor' })).toBe(1);
  });
});
