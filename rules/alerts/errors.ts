/**
 * Stable error codes of the alert lifecycle, classified by what the caller must do (STYLE.md principle 7).
 * The API maps them to HTTP statuses; tests assert on the code. Add codes; never rename one.
 */
import { CodedError } from '../../platform/coded-error.ts';

export const ALERT_ERROR_CODES = {
  ALERT_NOT_FOUND: 'no alert has this id',
  ALERT_ALREADY_RESOLVED: 'the alert is resolved; it cannot change state again (open a new one by breaching again)',
  ALERT_ALREADY_ACKNOWLEDGED: 'the alert is already acknowledged',
  CORRECTIVE_ACTION_REQUIRED: 'a person resolving a density alert must record the corrective action taken',
  ALERT_INPUT_INVALID: 'an actor, note, value or time is missing or malformed',
  ALERT_RULE_INVALID: 'an alert rule has inconsistent parameters (e.g. a clear threshold on the wrong side)',
} as const;
export type AlertErrorCode = keyof typeof ALERT_ERROR_CODES;

export class AlertError extends CodedError<AlertErrorCode> {
  override name = 'AlertError';
}
