/**
 * Stable error codes of the rules core, classified by what the caller must do. Add codes; never rename one.
 * Pack errors stop the process at start (fix the file); input errors are caller bugs.
 */
import { CodedError } from '../platform/coded-error.ts';

export const RULE_ERROR_CODES = {
  RULE_PACK_UNREADABLE: 'a rule pack file cannot be read or is not JSON',
  RULE_PACK_INVALID: 'a rule pack file does not match the rule-pack schema',
  RULE_PACK_DUPLICATE: 'two packs, or two indicators of one pack, share an id',
  RULE_PACK_UNKNOWN_BASE: 'an override pack extends a pack that is not loaded',
  RULE_PACK_UNKNOWN_INDICATOR: 'an override pack names an indicator its base pack does not have',
  RULE_PACK_OVERRIDE_MISMATCH: 'an override pack changes something its base pack type does not have',
  RULE_PACK_AMBIGUOUS: 'more than one current pack grades the same vector',
  RULE_INPUT_INVALID: 'a rules function was called with inconsistent input',
} as const;
export type RuleErrorCode = keyof typeof RULE_ERROR_CODES;

export class RuleError extends CodedError<RuleErrorCode> {
  override name = 'RuleError';
}
