import { describe, expect, it } from 'vitest';
import { checkDelivery } from './influx-check.ts';
import type { DeviceTally } from './load/generator.ts';

const tally = (id: string, acked: number): DeviceTally => ({ id, kind: 'bin_sensor', firstSeq: 1, nextSeq: acked + 1, acked, failed: 0 });

describe('checkDelivery', () => {
  it('counts per device: lost, duplicated (same seq stored twice), stored without an acknowledgement', () => {
    const stored = new Map([
      ['a', { points: 10, distinct: 10 }],
      ['b', { points: 9, distinct: 8 }],
      ['c', { points: 6, distinct: 6 }],
    ]);
    expect(checkDelivery([tally('a', 10), tally('b', 10), tally('c', 5), tally('d', 3)], stored)).toEqual({
      devices: 4, acked: 28, stored: 24, lost: 2 + 3, duplicated: 1, unacked: 1, devicesWithLoss: 2,
    });
  });
});
