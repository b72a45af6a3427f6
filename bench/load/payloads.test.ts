import { describe, expect, it } from 'vitest';
import { TelemetrySchema } from '../../contracts/telemetry.ts';
import { loadDemoReference } from '../../registry/seed.ts';
import { fleetPlan } from '../world.ts';
import { ALTERNATING_PROBE_TAILS, profileTails, renderPayload } from './payloads.ts';

describe('pre-built payloads', () => {
  it('render readings that satisfy contract v1 for every kind of the demo fleet', () => {
    const ref = loadDemoReference();
    const plan = fleetPlan(ref, 200, 'b-');
    const kinds = new Set<string>();
    for (const reg of plan) {
      const [tail] = profileTails(reg, 1, ref, 60, 1_795_300_000_000);
      const json = renderPayload(reg.kind, 42, 1_795_300_000_000, tail!);
      const parsed = TelemetrySchema.safeParse(JSON.parse(json));
      expect(parsed.success, `${reg.kind}: ${json}`).toBe(true);
      kinds.add(reg.kind);
    }
    expect(kinds.size).toBe(5);
  });

  it('alternate a probe between 0.5 and 2.5 mg/L free chlorine by seq parity', () => {
    const chlorine = (seq: number) => JSON.parse(renderPayload('water_probe', seq, 1, ALTERNATING_PROBE_TAILS[seq % 2]!)).freeChlorineMgL;
    expect([chlorine(1), chlorine(2), chlorine(3)]).toEqual([2.5, 0.5, 2.5]);
  });
});
