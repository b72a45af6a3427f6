/**
 * Replays one dead letter through ingest after an operator fixed what refused it (a device registered late, a
 * kind corrected in the registry): the stored bytes go through validation again exactly as if the device had just
 * sent them. The row is removed once decided again; a new refusal writes a new row with the new reason.
 * Truncated payloads (oversized ones) cannot be replayed: their bytes are incomplete.
 */
import { CodedError } from '../platform/coded-error.ts';
import type { Admission } from './admit-reading.ts';
import type { DeadLetterStore } from './dead-letters.ts';
import type { IncomingMessage } from './incoming-message.ts';

export type ReplayErrorCode = 'DEAD_LETTER_NOT_FOUND' | 'DEAD_LETTER_TRUNCATED';
export class ReplayError extends CodedError<ReplayErrorCode> {
  override name = 'ReplayError';
}

export interface ReplayOutcome {
  outcome: 'stored' | 'duplicate' | 'rejected';
  code?: string | undefined;
  message?: string | undefined;
}

export async function replayDeadLetter(
  id: number,
  deps: { deadLetters: DeadLetterStore; admit(msg: IncomingMessage): Promise<Admission>; clock: () => number },
): Promise<ReplayOutcome> {
  const row = deps.deadLetters.get(id);
  if (!row) throw new ReplayError('DEAD_LETTER_NOT_FOUND', `dead letter ${id} does not exist (or was trimmed)`);
  if (row.raw.byteLength < row.payloadBytes) {
    throw new ReplayError('DEAD_LETTER_TRUNCATED', `dead letter ${id} kept ${row.raw.byteLength} of ${row.payloadBytes} bytes; it cannot be replayed`);
  }
  const newest = deps.deadLetters.list({ limit: 1 })[0]?.id ?? 0;
  const admission = await deps.admit({ topic: row.topic, payload: Buffer.from(row.raw), receivedAtMs: deps.clock() });
  deps.deadLetters.remove(id);
  if (admission === 'accepted') return { outcome: 'stored' };
  if (admission === 'duplicate') return { outcome: 'duplicate' };
  // Refused again: report the new reason (the refusal wrote a new row, newer than any before the replay).
  const again = deps.deadLetters.list({ ...(row.deviceId ? { deviceId: row.deviceId } : {}), limit: 5 }).find((d) => d.id > newest);
  return { outcome: 'rejected', code: again?.code ?? admission, message: again?.message };
}
