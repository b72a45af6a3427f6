/**
 * Loads the built-in rule packs (`rules/packs/*.json`) and, optionally, a deployment's local directory of packs
 * (the composition root passes `RULE_PACKS_DIR`). A local file is either a new pack (new id) or an `override`
 * of a loaded pack: a city's stricter limits or an added indicator, without code changes. Full local packs are
 * added first, then overrides are applied in file-name order. Synchronous: it runs once, at start.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DensityPack, OverridePack, RulePack, Vector } from '../contracts/rule-pack.ts';
import { applyOverride } from './apply-override.ts';
import { RuleError } from './errors.ts';
import { parsePackDocument } from './parse-pack.ts';

export const BUILTIN_PACKS_DIR = fileURLToPath(new URL('./packs/', import.meta.url));

export interface LoadedPack {
  readonly pack: RulePack;
  readonly origin: 'builtin' | 'local';
  readonly file: string;
  /** Local overrides applied, in order. */
  readonly overrides: readonly { id: string; version: string; file: string }[];
}

export interface PackSet {
  readonly packs: ReadonlyMap<string, LoadedPack>;
  get(id: string): RulePack | undefined;
  /** The density pack that grades a vector: the only one, or the only one not superseded. */
  densityPack(vector: Vector): DensityPack;
}

export interface LoadPacksOptions {
  /** Directory of local packs (env RULE_PACKS_DIR); unset: built-in packs only. */
  localDir?: string;
  /** For tests; defaults to the packs shipped in `rules/packs/`. */
  builtinDir?: string;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RuleError('RULE_PACK_UNREADABLE', `${file}: cannot read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RuleError('RULE_PACK_UNREADABLE', `${file}: not valid JSON: ${(err as Error).message}`);
  }
}

function jsonFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new RuleError('RULE_PACK_UNREADABLE', `${dir}: cannot list rule packs: ${(err as Error).message}`);
  }
  return names.filter((n) => n.endsWith('.json')).sort().map((n) => join(dir, n));
}

export function loadPacks(options: LoadPacksOptions = {}): PackSet {
  const packs = new Map<string, LoadedPack>();
  const overrides: { ov: OverridePack; file: string }[] = [];

  const add = (pack: RulePack, origin: LoadedPack['origin'], file: string): void => {
    const existing = packs.get(pack.id);
    if (existing !== undefined)
      throw new RuleError(
        'RULE_PACK_DUPLICATE',
        `${file}: pack id '${pack.id}' is already loaded from ${existing.file}; to change its limits write an override pack ("type": "override", "extends": "${pack.id}")`,
      );
    packs.set(pack.id, { pack, origin, file, overrides: [] });
  };

  for (const file of jsonFiles(options.builtinDir ?? BUILTIN_PACKS_DIR)) {
    const doc = parsePackDocument(readJson(file), file);
    if (doc.type === 'override') throw new RuleError('RULE_PACK_INVALID', `${file}: built-in packs cannot be overrides`);
    add(doc, 'builtin', file);
  }
  if (options.localDir !== undefined) {
    for (const file of jsonFiles(options.localDir)) {
      const doc = parsePackDocument(readJson(file), file);
      if (doc.type === 'override') overrides.push({ ov: doc, file });
      else add(doc, 'local', file);
    }
  }
  for (const { ov, file } of overrides) {
    const base = packs.get(ov.extends);
    if (base === undefined)
      throw new RuleError('RULE_PACK_UNKNOWN_BASE', `${file}: override '${ov.id}' at $.extends: no pack '${ov.extends}' is loaded`);
    packs.set(ov.extends, {
      ...base,
      pack: applyOverride(base.pack, ov, file),
      overrides: [...base.overrides, { id: ov.id, version: ov.version, file }],
    });
  }
  return packSet(packs);
}

function packSet(packs: ReadonlyMap<string, LoadedPack>): PackSet {
  return {
    packs,
    get: (id) => packs.get(id)?.pack,
    densityPack(vector) {
      const all = [...packs.values()].map((l) => l.pack).filter((p): p is DensityPack => p.type === 'density' && p.vector === vector);
      const candidates = all.length > 1 ? all.filter((p) => p.status !== 'superseded') : all;
      const [only, ...rest] = candidates;
      if (only === undefined || rest.length > 0)
        throw new RuleError(
          'RULE_PACK_AMBIGUOUS',
          `${candidates.length} density packs grade '${vector}' (${all.map((p) => p.id).join(', ') || 'none'}); expected exactly one`,
        );
      return only;
    },
  };
}
