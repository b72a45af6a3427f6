/**
 * Validation of one rule-pack document, with errors that name the file, the pack, the indicator and the JSON path,
 * e.g. `packs/x.json: pack 'gbt-27770-2011', indicator 'indoor-sign-rate' at $.indicators[0].limits.B: missing limit B`.
 */
import type { z } from 'zod';
import { RulePackFileSchema, type RulePackFile } from '../contracts/rule-pack.ts';
import { RuleError } from './errors.ts';

/** Arrays whose elements are named by their `id` in error messages. */
const NAMED_LISTS: Record<string, string> = {
  indicators: 'indicator',
  addIndicators: 'indicator',
  indices: 'index',
  parameters: 'parameter',
};

export function jsonPath(path: readonly PropertyKey[]): string {
  return (
    '$' +
    path
      .map((k) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(k)) ? `.${String(k)}` : `[${JSON.stringify(String(k))}]`))
      .join('')
  );
}

function field(obj: unknown, key: PropertyKey): unknown {
  return typeof obj === 'object' && obj !== null ? (obj as Record<PropertyKey, unknown>)[key] : undefined;
}

/** "pack 'x', indicator 'y'" for an issue path, from the raw document (ids are read even when invalid). */
function subject(raw: unknown, path: readonly PropertyKey[]): string {
  const packId = field(raw, 'id');
  const parts = [typeof packId === 'string' ? `pack '${packId}'` : 'pack (no id)'];
  const [list, index] = path;
  const noun = typeof list === 'string' ? NAMED_LISTS[list] : undefined;
  if (noun !== undefined && typeof list === 'string' && typeof index === 'number') {
    const id = field(field(field(raw, list), index), 'id');
    parts.push(typeof id === 'string' ? `${noun} '${id}'` : `${noun} #${index}`);
  }
  return parts.join(', ');
}

export function formatIssues(file: string, raw: unknown, issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.map((i) => {
    const extra = i.code === 'unrecognized_keys' ? ` (${i.keys.map((k) => `'${k}'`).join(', ')})` : '';
    return `  ${subject(raw, i.path)} at ${jsonPath(i.path)}: ${i.message}${extra}`;
  });
  return `${file}: invalid rule pack\n${lines.join('\n')}`;
}

/** Parses one pack document; throws RuleError RULE_PACK_INVALID naming every problem. */
export function parsePackDocument(raw: unknown, file: string): RulePackFile {
  const result = RulePackFileSchema.safeParse(raw);
  if (!result.success) throw new RuleError('RULE_PACK_INVALID', formatIssues(file, raw, result.error.issues));
  return result.data;
}
