/** The device contract v1 envelope around a profile's fields: `{ v: 1, kind, seq, ts, ...fields }`. */
import { CONTRACT_VERSION, type DeviceKind, type TelemetryOf } from '../contracts/telemetry.ts';
import { isoShanghai } from './local-time.ts';
import type { ReadingFields } from './profiles/types.ts';

/** How a device writes `ts`: ISO-8601 with the +08:00 offset, or epoch milliseconds. The contract accepts both. */
export type TsFormat = 'iso' | 'epoch';

export function formatTs(tsMs: number, format: TsFormat): string | number {
  return format === 'epoch' ? tsMs : isoShanghai(tsMs);
}

export function buildReading<K extends DeviceKind>(
  kind: K,
  seq: number,
  tsMs: number,
  fields: ReadingFields<K>,
  tsFormat: TsFormat = 'iso',
): TelemetryOf<K> {
  return { v: CONTRACT_VERSION, kind, seq, ts: formatTs(tsMs, tsFormat), ...fields } as unknown as TelemetryOf<K>;
}
