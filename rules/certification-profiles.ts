/**
 * The built-in hygienic-city certification profiles (standards.md §4), read from `profiles/certification-profiles.json`:
 * `national` (all four vectors at C or better) and `provincial-legacy` (three meet the standard, the fourth at most
 * 3× it). The numbers live in the data file with their sources, not here.
 */
import { readFileSync } from 'node:fs';
import { CertificationProfilesSchema, type CertificationProfile } from '../contracts/rule-pack.ts';
import { RuleError } from './errors.ts';
import { formatIssues } from './parse-pack.ts';

export const BUILTIN_PROFILES_FILE = new URL('./profiles/certification-profiles.json', import.meta.url);

/** Parses a profiles document; throws RuleError RULE_PACK_INVALID naming the file and path. */
export function parseCertificationProfiles(raw: unknown, file: string): ReadonlyMap<string, CertificationProfile> {
  const result = CertificationProfilesSchema.safeParse(raw);
  if (!result.success) throw new RuleError('RULE_PACK_INVALID', formatIssues(file, raw, result.error.issues));
  return new Map(result.data.map((p) => [p.id, p]));
}

export function loadCertificationProfiles(file: URL = BUILTIN_PROFILES_FILE): ReadonlyMap<string, CertificationProfile> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RuleError('RULE_PACK_UNREADABLE', `${file.pathname}: ${(err as Error).message}`);
  }
  return parseCertificationProfiles(raw, file.pathname);
}
