import { describe, expect, it } from 'vitest';
import { filterCovers, isValidTopicFilter, isValidTopicName, topicMatches } from './topic-filter.ts';

describe('isValidTopicName', () => {
  it.each([
    ['devices/rodent-001/telemetry', true],
    ['alerts', true],
    ['$SYS/broker/heartbeat', true], // well-formed; the ACL, not the grammar, refuses `$`
    ['', false],
    ['devices/+/telemetry', false],
    ['devices/#', false],
    ['devices/a+b/telemetry', false],
    ['devices//telemetry', false],
    ['/devices', false],
    ['devices/', false],
    ['devices/a\u0000b/telemetry', false],
  ])('%j → %s', (topic, expected) => {
    expect(isValidTopicName(topic)).toBe(expected);
  });
});

describe('isValidTopicFilter', () => {
  it.each([
    ['devices/+/telemetry', true],
    ['devices/#', true],
    ['#', true],
    ['+', true],
    ['+/+/errors', true],
    ['', false],
    ['devices/#/telemetry', false],
    ['devices/a#', false],
    ['devices/a+/telemetry', false],
    ['devices//telemetry', false],
    ['devices/+/', false],
    ['a\u0000/#', false],
  ])('%j → %s', (filter, expected) => {
    expect(isValidTopicFilter(filter)).toBe(expected);
  });
});

describe('topicMatches', () => {
  it.each([
    ['devices/+/telemetry', 'devices/rodent-001/telemetry', true],
    ['devices/+/telemetry', 'devices/rodent-001/status', false],
    ['devices/+/telemetry', 'devices/a/b/telemetry', false],
    ['devices/#', 'devices/rodent-001/telemetry', true],
    ['alerts/#', 'alerts', true], // `#` also matches the parent level (MQTT 3.1.1 §4.7.1.2)
    ['alerts/#', 'alertsx', false],
    ['devices/rodent-001/errors', 'devices/rodent-001/errors', true],
    ['devices/rodent-001/errors', 'devices/rodent-001/errors/x', false],
    ['#', '$SYS/broker/heartbeat', false], // [MQTT-4.7.2-1]
    ['+/broker/heartbeat', '$SYS/broker/heartbeat', false],
    ['$SYS/#', '$SYS/broker/heartbeat', true],
  ])('%j matches %j → %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('filterCovers', () => {
  it.each([
    ['devices/+/telemetry', 'devices/+/telemetry', true],
    ['devices/+/telemetry', 'devices/rodent-001/telemetry', true],
    ['devices/+/telemetry', 'devices/#', false],
    ['devices/+/telemetry', 'devices/+/+', false],
    ['devices/+/telemetry', 'devices/+/telemetry/#', false],
    ['devices/+/telemetry', 'devices/+', false],
    ['devices/+/telemetry', '#', false],
    ['devices/+/telemetry', '+/+/telemetry', false],
    ['alerts/#', 'alerts/#', true],
    ['alerts/#', 'alerts/+/rodent', true],
    ['alerts/#', 'alerts', true],
    ['alerts/#', 'alerts2/#', false],
    ['alerts/#', '#', false],
  ])('%j covers %j → %s', (outer, inner, expected) => {
    expect(filterCovers(outer, inner)).toBe(expected);
  });
});
