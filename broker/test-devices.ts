/**
 * An in-memory `DeviceAuthenticator` for broker tests: a Map of id → password and status. The real one
 * (registry/) stores only password hashes; the broker needs nothing beyond the verdict.
 */
import type { DeviceAuthenticator, DeviceAuthResult } from '../contracts/registry.ts';

export interface TestDevice {
  password: string;
  status: 'active' | 'disabled';
}

export interface TestDeviceAuthenticator extends DeviceAuthenticator {
  /** Ids passed to verifyDevice, in order: lets tests prove what the broker asked. */
  calls: string[];
}

export function testDevices(entries: Record<string, TestDevice>): TestDeviceAuthenticator {
  const devices = new Map(Object.entries(entries));
  const calls: string[] = [];
  return {
    calls,
    verifyDevice(id, password): DeviceAuthResult {
      calls.push(id);
      const device = devices.get(id);
      if (!device) return 'unknown';
      if (device.status === 'disabled') return 'disabled';
      return device.password === password ? 'ok' : 'bad_password';
    },
  };
}
