import { describe, expect, it } from 'vitest';
import { AlertEventSchema, AlertSchema, alertJsonSchemas, alertTopic, parseAlertTopic } from './alert.ts';

const at = '2026-11-05T02:00:00.000Z';
const alert = {
  id: 'a1b2c3d4-0000-4000-8000-000000000001', key: 'density.rodent.indoor-sign-rate@district:chaoyang', ruleId: 'density.rodent.indoor-sign-rate',
  kind: 'density', severity: 'minor', state: 'open', districtId: 'chaoyang', scope: { level: 'district', id: 'chaoyang' },
  value: 6.2, limit: 5, unit: '%', standard: 'GB/T 27770-2011', text: { zh: '朝阳区', en: 'Chaoyang' },
  openedAt: at, lastSeenAt: at, count: 1, lastValue: 6.2, escalationLevel: 0, resolution: null,
};

describe('alert contract', () => {
  it('accepts a minimal alert and refuses unknown fields', () => {
    expect(AlertSchema.parse(alert)).toEqual(alert);
    expect(AlertSchema.safeParse({ ...alert, extra: 1 }).success).toBe(false);
    expect(AlertSchema.safeParse({ ...alert, state: 'closed' }).success).toBe(false);
  });

  it('round-trips topics and refuses ids that could break a topic level', () => {
    const topic = alertTopic('chaoyang', alert.id);
    expect(parseAlertTopic(topic)).toEqual({ districtId: 'chaoyang', alertId: alert.id });
    expect(parseAlertTopic('alerts/chaoyang/+')).toBeNull();
    expect(parseAlertTopic('alerts/chao yang/a1b2c3d4e5')).toBeNull();
    expect(AlertSchema.safeParse({ ...alert, id: 'bad/id#00' }).success).toBe(false);
  });

  it('exports JSON Schema for the alert and the event', () => {
    const schemas = alertJsonSchemas();
    expect(schemas.alert).toMatchObject({ type: 'object', additionalProperties: false });
    expect((schemas.event as { required: string[] }).required).toEqual(expect.arrayContaining(['eventId', 'transition', 'alert']));
    expect(AlertEventSchema.safeParse({ version: 1, eventId: 1, transition: 'opened', at, actor: 'system', note: null, alert }).success).toBe(true);
  });
});
