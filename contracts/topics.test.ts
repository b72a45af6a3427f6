import { describe, expect, it } from 'vitest';
import { deviceTopic, parseDeviceTopic } from './topics.ts';

describe('topic grammar', () => {
  it('builds and parses device topics', () => {
    expect(deviceTopic('rs-001', 'telemetry')).toBe('devices/rs-001/telemetry');
    expect(parseDeviceTopic('devices/rs-001/telemetry')).toEqual({ deviceId: 'rs-001', channel: 'telemetry' });
    expect(parseDeviceTopic('devices/rs-001/errors')).toEqual({ deviceId: 'rs-001', channel: 'errors' });
  });
  it.each([
    'devices/rs-001', 'devices/rs-001/telemetry/extra', 'device/rs-001/telemetry', 'devices//telemetry', 'devices/+/telemetry',
    'devices/#', 'devices/rs+1/telemetry', 'devices/r/telemetry', 'devices/rs-001/Telemetry', 'devices/rs-001/toString',
    'devices/rѕ-001/telemetry' /* Cyrillic s */, `devices/${'a'.repeat(65)}/telemetry`, '$SYS/devices/x/telemetry', '/devices/rs-001/telemetry',
  ])('refuses %s', (topic) => {
    expect(parseDeviceTopic(topic)).toBeNull();
  });
});
