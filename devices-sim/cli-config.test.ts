import { describe, expect, it } from 'vitest';
import { parseFaults, parseSimConfig } from './cli-config.ts';

const REF = '/ref.json';

describe('parseSimConfig', () => {
  it('reads flags, with env fallbacks for the broker URL and admin token', () => {
    const c = parseSimConfig(
      ['--devices', '50', '--interval-ms', '2000', '--api', 'http://127.0.0.1:8080', '--seed', '7', '--faults', 'malformed_json:0.01,duplicate:0.02', '--duration-s', '30'],
      { MQTT_URL: 'mqtt://broker:1883', ADMIN_TOKEN: 'secret' },
      REF,
    );
    expect(c).toMatchObject({
      devices: 50,
      intervalMs: 2000,
      url: 'mqtt://broker:1883',
      apiUrl: 'http://127.0.0.1:8080',
      adminToken: 'secret',
      seed: 7,
      durationS: 30,
      refPath: REF,
      faults: [
        { kind: 'malformed_json', ratio: 0.01 },
        { kind: 'duplicate', ratio: 0.02 },
      ],
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('turns --rate into a per-device interval', () => {
    expect(parseSimConfig(['--devices', '200', '--rate', '100'], {}, REF)?.intervalMs).toBe(2000);
    expect(() => parseSimConfig(['--rate', '10', '--interval-ms', '100'], {}, REF)).toThrow(/not both/);
  });

  it('has demo defaults, returns null for --help, and names the bad flag', () => {
    expect(parseSimConfig([], {}, REF)).toMatchObject({ devices: 200, intervalMs: 5000, url: 'mqtt://127.0.0.1:1883', seed: 1, faults: [] });
    expect(parseSimConfig(['--help'], {}, REF)).toBeNull();
    expect(() => parseSimConfig(['--devices', 'many'], {}, REF)).toThrow(/devices/);
    expect(() => parseSimConfig(['--api', 'http://x'], {}, REF)).toThrow(/admin-token/);
    expect(() => parseSimConfig(['--bogus'], {}, REF)).toThrow();
  });
});

describe('parseFaults', () => {
  it('refuses unknown kinds, bad ratios and totals above 1', () => {
    expect(parseFaults('')).toEqual([]);
    expect(() => parseFaults('gremlins:0.1')).toThrow(/gremlins/);
    expect(() => parseFaults('duplicate:2')).toThrow(/duplicate:2/);
    expect(() => parseFaults('duplicate')).toThrow();
    expect(() => parseFaults('duplicate:0.6,oversized:0.6')).toThrow(/more than 1/);
  });
});
