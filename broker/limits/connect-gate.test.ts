import { describe, expect, it } from 'vitest';
import { ConnectGate, type ConnectGateOptions } from './connect-gate.ts';

const options = (over: Partial<ConnectGateOptions> = {}): ConnectGateOptions => ({
  authFailuresBeforeBan: 3,
  authFailuresPerAddressBeforeBan: 10,
  authBanMs: 60_000,
  connectsPerMin: 0,
  maxTrackedKeys: 1000,
  ...over,
});

/** Fails `n` times at time `t`; returns the bans imposed along the way. */
function fail(gate: ConnectGate, address: string, username: string, n: number, t = 0): string[] {
  const bans: string[] = [];
  for (let i = 0; i < n; i++) {
    if (gate.check(address, username, t) === null) bans.push(...gate.record(address, username, 'failed', t));
  }
  return bans;
}

describe('ConnectGate: authentication bans', () => {
  it('bans (address, username) after the threshold, for the ban time, even with the right password', () => {
    const gate = new ConnectGate(options());
    expect(fail(gate, '192.0.2.1', 'rs-001', 3)).toEqual(['address_username']);
    expect(gate.check('192.0.2.1', 'rs-001', 1)).toBe('auth_ban');
    expect(gate.check('192.0.2.1', 'rs-001', 59_999)).toBe('auth_ban');
    expect(gate.check('192.0.2.1', 'rs-001', 60_000)).toBeNull();
  });

  it('does not touch other usernames on the same address, or the same username elsewhere', () => {
    const gate = new ConnectGate(options());
    fail(gate, '192.0.2.1', 'rs-001', 3);
    expect(gate.check('192.0.2.1', 'rs-002', 1)).toBeNull();
    expect(gate.check('198.51.100.9', 'rs-001', 1)).toBeNull();
  });

  it('a success resets the count; failures outside the window start a new one', () => {
    const gate = new ConnectGate(options());
    fail(gate, '192.0.2.1', 'rs-001', 2);
    gate.record('192.0.2.1', 'rs-001', 'accepted', 10);
    expect(fail(gate, '192.0.2.1', 'rs-001', 2, 20)).toEqual([]);
    expect(fail(gate, '192.0.2.1', 'rs-001', 1, 60_020)).toEqual([]); // the window of the first two has passed
    expect(fail(gate, '192.0.2.1', 'rs-001', 2, 60_030)).toEqual(['address_username']);
  });

  it('bans the address after many failing usernames, but never for service usernames', () => {
    const gate = new ConnectGate(options());
    const bans = Array.from({ length: 10 }, (_, i) => fail(gate, '192.0.2.1', `dev-${i}`, 1)).flat();
    expect(bans).toEqual(['address']);
    expect(gate.check('192.0.2.1', 'never-seen', 1)).toBe('auth_ban');
    expect(gate.check('::ffff:192.0.2.1', 'never-seen', 1)).toBe('auth_ban');
    expect(gate.check('192.0.2.1', 'svc:ingest', 1)).toBeNull();
    expect(gate.check('192.0.2.2', 'never-seen', 1)).toBeNull();
  });

  it('neutral outcomes (disabled device, wrong client id) count for nothing', () => {
    const gate = new ConnectGate(options({ authFailuresBeforeBan: 1 }));
    expect(gate.record('192.0.2.1', 'rs-001', 'neutral', 0)).toEqual([]);
    expect(gate.check('192.0.2.1', 'rs-001', 0)).toBeNull();
  });

  it('a threshold of 0 turns a ban off', () => {
    const gate = new ConnectGate(options({ authFailuresBeforeBan: 0, authFailuresPerAddressBeforeBan: 0 }));
    expect(fail(gate, '192.0.2.1', 'rs-001', 100)).toEqual([]);
    expect(gate.check('192.0.2.1', 'rs-001', 0)).toBeNull();
  });
});

describe('ConnectGate: connect rate', () => {
  it('lets a client connect connectsPerMin times at once, then one per 60/connectsPerMin s', () => {
    const gate = new ConnectGate(options({ connectsPerMin: 6 }));
    const at0 = Array.from({ length: 8 }, () => gate.check('192.0.2.1', 'rs-001', 0));
    expect(at0).toEqual([null, null, null, null, null, null, 'connect_rate', 'connect_rate']);
    expect(gate.check('192.0.2.1', 'rs-002', 0)).toBeNull();
    expect(gate.check('192.0.2.1', 'rs-001', 9_999)).toBe('connect_rate');
    expect(gate.check('192.0.2.1', 'rs-001', 10_000)).toBeNull();
  });
});

describe('ConnectGate: memory', () => {
  it('holds at most maxTrackedKeys per table under a storm of distinct usernames and addresses', () => {
    const gate = new ConnectGate(options({ maxTrackedKeys: 100, connectsPerMin: 10, authFailuresPerAddressBeforeBan: 0 }));
    for (let i = 0; i < 5000; i++) {
      const address = `10.0.${i >> 8}.${i & 255}`;
      if (gate.check(address, `u-${i}`, i) === null) gate.record(address, `u-${i}`, 'failed', i);
    }
    expect(gate.trackedKeys()).toBeLessThanOrEqual(300);
  });
});
