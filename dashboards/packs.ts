/**
 * The rule packs the dashboards draw limits from (rules/packs/*.json, read through the pack schemas in contracts/):
 * A/B/C limits of the density standards, GB 5749-2022 ranges, the bin policy. Regenerate the dashboards after a
 * pack changes (`npm run gen:dashboards`); a test fails while they disagree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { DensityPackSchema, PolicyPackSchema, RangePackSchema, type DensityPack, type PolicyPack, type RangePack, type Vector } from '../contracts/rule-pack.ts';

const PACKS_DIR = new URL('../rules/packs/', import.meta.url);

function readPacks(): { type: string; raw: unknown }[] {
  return readdirSync(PACKS_DIR)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => {
      const raw: unknown = JSON.parse(readFileSync(new URL(n, PACKS_DIR), 'utf8'));
      return { type: (raw as { type: string }).type, raw };
    });
}

const VECTOR_ORDER: readonly Vector[] = ['rodent', 'mosquito', 'fly', 'cockroach'];

/** One density pack per vector, in the order rodents, mosquitoes, flies, cockroaches. */
export function densityPacks(): DensityPack[] {
  const packs = readPacks().filter((p) => p.type === 'density').map((p) => DensityPackSchema.parse(p.raw));
  return VECTOR_ORDER.flatMap((v) => {
    const forVector = packs.filter((p) => p.vector === v);
    const current = forVector.filter((p) => p.status !== 'superseded');
    return (current.length > 0 ? current : forVector).slice(0, 1);
  });
}

export function waterPack(): RangePack {
  const found = readPacks().find((p) => p.type === 'range' && (p.raw as { id: string }).id === 'gb-5749-2022');
  if (!found) throw new Error('rules/packs: gb-5749-2022 missing');
  return RangePackSchema.parse(found.raw);
}

export function binPolicy(): PolicyPack {
  const found = readPacks().find((p) => p.type === 'policy');
  if (!found) throw new Error('rules/packs: bin policy missing');
  return PolicyPackSchema.parse(found.raw);
}

/** Grafana unit for a pack unit: `percent`, or the unit as a suffix. */
export const grafanaUnit = (unit: string): string => (unit === '%' ? 'percent' : unit === '' ? 'none' : `suffix: ${unit}`);
