import { describe, expect, it } from 'vitest';
import { mayPublish, mayReceive, maySubscribe, publishDenial, SERVICE_GRANTS, subscribeDenial } from './acl.ts';
import type { Principal, ServiceRole } from './principal.ts';

const A: Principal = { type: 'device', id: 'rodent-001' };
const B_ID = 'rodent-002';
/** 'rodent-001' with a Cyrillic 'о' (U+043E): looks identical, is another string, is not a valid id. */
const LOOKALIKE_ID = 'r\u043edent-001';
/** 'trap-а1' with a Cyrillic 'а' (U+0430). */
const CYRILLIC_A_ID = 'trap-\u04301';
const ingest: Principal = { type: 'service', role: 'ingest' };
const rules: Principal = { type: 'service', role: 'rules' };
const api: Principal = { type: 'service', role: 'api' };
const notifier: Principal = { type: 'service', role: 'notifier' };
const device = (id: string): Principal => ({ type: 'device', id });

type Row = [string, Principal, string, boolean];
const who = (p: Principal) => (p.type === 'device' ? `device ${JSON.stringify(p.id)}` : `svc:${p.role}`);
/** Full test title: `svc:ingest, errors via wildcard: "devices/+/errors" → false`. */
const titled = (rows: Row[]): Row[] =>
  rows.map(([name, p, topic, expected]) => [`${who(p)}, ${name}: ${JSON.stringify(topic)} → ${expected}`, p, topic, expected]);

const publishTable: Row[] = [
  ['own telemetry', A, 'devices/rodent-001/telemetry', true],
  ['own status', A, 'devices/rodent-001/status', true],
  ['own errors (system → device only)', A, 'devices/rodent-001/errors', false],
  ['own config (system → device only)', A, 'devices/rodent-001/config', false],
  ["another device's telemetry", A, `devices/${B_ID}/telemetry`, false],
  ["another device's status", A, `devices/${B_ID}/status`, false],
  ['wildcard +', A, 'devices/+/telemetry', false],
  ['wildcard #', A, 'devices/#', false],
  ['extra level', A, 'devices/rodent-001/telemetry/x', false],
  ['unknown channel', A, 'devices/rodent-001/firmware', false],
  ['empty level', A, 'devices//telemetry', false],
  ['leading slash', A, '/devices/rodent-001/telemetry', false],
  ['trailing slash', A, 'devices/rodent-001/telemetry/', false],
  ['NUL', A, 'devices/rodent-001/telemetry\u0000', false],
  ['$SYS', A, '$SYS/broker/x', false],
  ['alerts', A, 'alerts/x', false],
  ['look-alike of own id', A, `devices/${LOOKALIKE_ID}/telemetry`, false],
  ['principal with a look-alike id, own topic', device(LOOKALIKE_ID), `devices/${LOOKALIKE_ID}/telemetry`, false],
  ['principal with a Cyrillic а, own topic', device(CYRILLIC_A_ID), `devices/${CYRILLIC_A_ID}/telemetry`, false],
  ['principal whose id contains /', device('a/b'), 'devices/a/b/telemetry', false],
  ['principal whose id contains +', device('ab+'), 'devices/ab+/telemetry', false],
  ['principal whose id is #', device('#'), 'devices/#/telemetry', false],
  ['errors to any device', ingest, `devices/${B_ID}/errors`, true],
  ['errors via wildcard', ingest, 'devices/+/errors', false],
  ['errors to an invalid id (too short)', ingest, 'devices/ab/errors', false],
  ['errors to a look-alike id', ingest, `devices/${LOOKALIKE_ID}/errors`, false],
  ['errors to an id with /', ingest, 'devices/a/b/errors', false],
  ['telemetry on behalf of a device', ingest, 'devices/rodent-001/telemetry', false],
  ['config', ingest, 'devices/rodent-001/config', false],
  ['alerts', ingest, 'alerts/x', false],
  ['$SYS', ingest, '$SYS/x', false],
  ['an alert', rules, 'alerts/district-yuexiu/rodent', true],
  ['alerts root (matched by alerts/#)', rules, 'alerts', true],
  ['alerts wildcard', rules, 'alerts/#', false],
  ['device errors', rules, 'devices/rodent-001/errors', false],
  ['lookalike prefix alertsx', rules, 'alertsx/y', false],
  ['an alert', api, 'alerts/x', false],
  ['an alert', notifier, 'alerts/x/abcdefgh12', false],
  ['an error message', notifier, 'devices/rodent-001/errors', false],
  ['device config', api, 'devices/rodent-001/config', false],
];

describe('mayPublish', () => {
  it.each(titled(publishTable))('%s', (_title, p, topic, expected) => {
    expect(mayPublish(p, topic), `${who(p)} → ${topic}`).toBe(expected);
  });

  it('classifies malformed topics apart from forbidden ones', () => {
    expect(publishDenial(A, 'devices/+/telemetry')).toBe('invalid_topic');
    expect(publishDenial(ingest, `devices/${LOOKALIKE_ID}/errors`)).toBe('invalid_topic');
    expect(publishDenial(A, `devices/${B_ID}/telemetry`)).toBe('not_permitted');
    expect(publishDenial(A, '$SYS/x')).toBe('not_permitted');
    expect(publishDenial(A, 'devices/rodent-001/telemetry')).toBeNull();
  });
});

const subscribeTable: Row[] = [
  ['own errors', A, 'devices/rodent-001/errors', true],
  ['own config', A, 'devices/rodent-001/config', true],
  ['own telemetry', A, 'devices/rodent-001/telemetry', false],
  ['own status', A, 'devices/rodent-001/status', false],
  ['own channels via +', A, 'devices/rodent-001/+', false],
  ['own subtree via #', A, 'devices/rodent-001/#', false],
  ['all devices via #', A, 'devices/#', false],
  ['all telemetry via +', A, 'devices/+/telemetry', false],
  ['all errors via + (includes own)', A, 'devices/+/errors', false],
  ['everything', A, '#', false],
  ['leading +', A, '+/+/errors', false],
  ['$SYS', A, '$SYS/#', false],
  ["another device's errors", A, `devices/${B_ID}/errors`, false],
  ["another device's status", A, `devices/${B_ID}/status`, false],
  ['look-alike of own id', A, `devices/${LOOKALIKE_ID}/errors`, false],
  ['principal with a Cyrillic а, own errors', device(CYRILLIC_A_ID), `devices/${CYRILLIC_A_ID}/errors`, false],
  ['principal whose id contains /', device('a/b'), 'devices/a/b/errors', false],
  ['empty level', A, 'devices//errors', false],
  ['all telemetry', ingest, 'devices/+/telemetry', true],
  ['all status', ingest, 'devices/+/status', true],
  ["one device's telemetry", ingest, 'devices/rodent-001/telemetry', true],
  ['all devices via #', ingest, 'devices/#', false],
  ['all channels', ingest, 'devices/+/+', false],
  ['errors', ingest, 'devices/+/errors', false],
  ['config', ingest, 'devices/rodent-001/config', false],
  ['deeper than telemetry', ingest, 'devices/+/telemetry/#', false],
  ['id with /', ingest, 'devices/a/b/telemetry', false],
  ['id with # inside a level', ingest, 'devices/ro#/telemetry', false],
  ['look-alike id', ingest, `devices/${LOOKALIKE_ID}/telemetry`, false],
  ['empty id level', ingest, 'devices//telemetry', false],
  ['everything', ingest, '#', false],
  ['$SYS', ingest, '$SYS/#', false],
  ['alerts', ingest, 'alerts/#', false],
  ['all status', rules, 'devices/+/status', true],
  ['all telemetry', rules, 'devices/+/telemetry', true],
  ['alerts (may publish, not subscribe)', rules, 'alerts/#', false],
  ['alerts', api, 'alerts/#', true],
  ['alerts narrowed', api, 'alerts/+/rodent', true],
  ['alerts root', api, 'alerts', true],
  ['all telemetry', api, 'devices/+/telemetry', true],
  ['errors', api, 'devices/+/errors', false],
  ['everything', api, '#', false],
  ['$SYS subtree', api, '$SYS/broker/#', false],
  ['alerts', notifier, 'alerts/#', true],
  ['one district', notifier, 'alerts/yuexiu/+', true],
  ['all telemetry', notifier, 'devices/+/telemetry', false],
  ['all status', notifier, 'devices/+/status', false],
  ['everything', notifier, '#', false],
];

describe('maySubscribe', () => {
  it.each(titled(subscribeTable))('%s', (_title, p, filter, expected) => {
    expect(maySubscribe(p, filter), `${who(p)} ⊂ ${filter}`).toBe(expected);
  });

  it('grants every service exactly the filters of its table row', () => {
    for (const role of Object.keys(SERVICE_GRANTS) as ServiceRole[]) {
      for (const filter of SERVICE_GRANTS[role].subscribe) {
        expect(maySubscribe({ type: 'service', role }, filter), `${role} ${filter}`).toBe(true);
      }
    }
  });

  it('classifies malformed filters apart from forbidden ones', () => {
    expect(subscribeDenial(A, 'devices/#/errors')).toBe('invalid_topic');
    expect(subscribeDenial(ingest, 'devices/a/b/telemetry')).toBe('invalid_topic');
    expect(subscribeDenial(A, '$SYS/#')).toBe('not_permitted');
    expect(subscribeDenial(A, 'devices/#')).toBe('not_permitted');
  });
});

const receiveTable: Row[] = [
  ['own errors', A, 'devices/rodent-001/errors', true],
  ['own config', A, 'devices/rodent-001/config', true],
  ['own telemetry', A, 'devices/rodent-001/telemetry', false],
  ["another device's errors", A, `devices/${B_ID}/errors`, false],
  ["another device's retained status", A, `devices/${B_ID}/status`, false],
  ["another device's telemetry", A, `devices/${B_ID}/telemetry`, false],
  ['broker heartbeat', A, '$SYS/abc/heartbeat', false],
  ['an alert', A, 'alerts/x', false],
  ['look-alike of own id', A, `devices/${LOOKALIKE_ID}/errors`, false],
  ['telemetry', ingest, `devices/${B_ID}/telemetry`, true],
  ['status', ingest, `devices/${B_ID}/status`, true],
  ['errors', ingest, `devices/${B_ID}/errors`, false],
  ['telemetry of an invalid id', ingest, 'devices/ab/telemetry', false],
  ['new-client announcements', ingest, '$SYS/abc/new/clients', false],
  ['an alert', rules, 'alerts/x', false],
  ['an alert', api, 'alerts/district/rodent', true],
  ['telemetry', api, 'devices/rodent-001/telemetry', true],
  ['config', api, 'devices/rodent-001/config', false],
  ['an alert', notifier, 'alerts/yuexiu/abcdefgh12', true],
  ['telemetry', notifier, 'devices/rodent-001/telemetry', false],
  ['status', notifier, 'devices/rodent-001/status', false],
];

describe('mayReceive', () => {
  it.each(titled(receiveTable))('%s', (_title, p, topic, expected) => {
    expect(mayReceive(p, topic), `${topic} → ${who(p)}`).toBe(expected);
  });
});
