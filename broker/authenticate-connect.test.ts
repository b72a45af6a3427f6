import { describe, expect, it } from 'vitest';
import type { DeviceAuthenticator } from '../contracts/registry.ts';
import { createConnectAuthenticator, type ConnectRequest } from './authenticate-connect.ts';
import { testDevices } from './test-devices.ts';

const SERVICE_PASSWORD = 'service-secret-0123456789';
const MAX_PAYLOAD = 64;

function setup(devices: DeviceAuthenticator = testDevices({
  'rodent-001': { password: 'pw-rodent-001', status: 'active' },
  'trap-off-01': { password: 'pw-trap', status: 'disabled' },
})) {
  return createConnectAuthenticator({ devices, servicePassword: SERVICE_PASSWORD, maxPayloadBytes: MAX_PAYLOAD });
}

const pw = (s: string) => Buffer.from(s, 'utf8');
const device = (over: Partial<ConnectRequest> = {}): ConnectRequest => ({
  clientId: 'rodent-001',
  username: 'rodent-001',
  password: pw('pw-rodent-001'),
  ...over,
});
const service = (role: string, over: Partial<ConnectRequest> = {}): ConnectRequest => ({
  clientId: `svc:${role}`,
  username: `svc:${role}`,
  password: pw(SERVICE_PASSWORD),
  ...over,
});

describe('createConnectAuthenticator', () => {
  it.each<[string, ConnectRequest, string, number | null]>([
    ['device with its password', device(), 'accepted', null],
    ['device with its status topic as will', device({ will: { topic: 'devices/rodent-001/status', payload: '{"online":false}' } }), 'accepted', null],
    ['no username', device({ username: undefined }), 'missing_credentials', 4],
    ['empty username', device({ username: '' }), 'missing_credentials', 4],
    ['no password', device({ password: undefined }), 'missing_credentials', 4],
    ['wrong password', device({ password: pw('nope') }), 'bad_password', 4],
    ['unknown device', device({ username: 'rodent-999', clientId: 'rodent-999' }), 'unknown_device', 4],
    ['username that cannot be a device id', device({ username: 'a/b', clientId: 'a/b' }), 'unknown_device', 4],
    ['disabled device', device({ username: 'trap-off-01', clientId: 'trap-off-01', password: pw('pw-trap') }), 'disabled_device', 5],
    ['device whose client id is another id', device({ clientId: 'rodent-002' }), 'client_id_mismatch', 2],
    ['device with an empty client id', device({ clientId: '' }), 'client_id_mismatch', 2],
    ['device will on telemetry', device({ will: { topic: 'devices/rodent-001/telemetry', payload: 'x' } }), 'will_denied', 5],
    ["device will on another device's status", device({ will: { topic: 'devices/rodent-002/status', payload: 'x' } }), 'will_denied', 5],
    ['device will above the payload cap', device({ will: { topic: 'devices/rodent-001/status', payload: Buffer.alloc(MAX_PAYLOAD + 1) } }), 'will_denied', 5],
    ['ingest', service('ingest'), 'accepted', null],
    ['ingest with a suffixed client id', service('ingest', { clientId: 'svc:ingest-7f3a' }), 'accepted', null],
    ['rules with a will under alerts/', service('rules', { will: { topic: 'alerts/broker/rules-offline', payload: '' } }), 'accepted', null],
    ['ingest with a will under alerts/', service('ingest', { will: { topic: 'alerts/x', payload: '' } }), 'will_denied', 5],
    ['service with a wrong password', service('api', { password: pw('nope') }), 'bad_password', 4],
    ['service with a longer wrong password', service('api', { password: pw(`${SERVICE_PASSWORD}x`) }), 'bad_password', 4],
    ['unknown service role', service('admin'), 'unknown_service', 4],
    ['service whose client id is a device id', service('ingest', { clientId: 'rodent-001' }), 'client_id_mismatch', 2],
    ["service whose client id is another role's", service('api', { clientId: 'svc:ingest' }), 'client_id_mismatch', 2],
  ])('%s → %s', (_name, req, result, returnCode) => {
    const decision = setup()(req);
    expect(decision.result).toBe(result);
    if (returnCode === null) expect(decision).not.toHaveProperty('returnCode');
    else expect(decision).toMatchObject({ returnCode });
  });

  it('names the principal on acceptance', () => {
    expect(setup()(device())).toEqual({ result: 'accepted', principal: { type: 'device', id: 'rodent-001' } });
    expect(setup()(service('rules'))).toEqual({ result: 'accepted', principal: { type: 'service', role: 'rules' } });
  });

  it('checks credentials before the client id, so an unknown id and a bad id answer alike', () => {
    const authenticate = setup();
    const unknown = authenticate(device({ username: 'rodent-999', clientId: 'whatever' }));
    const wrongPassword = authenticate(device({ password: pw('nope'), clientId: 'whatever' }));
    expect(unknown).toMatchObject({ result: 'unknown_device', returnCode: 4 });
    expect(wrongPassword).toMatchObject({ result: 'bad_password', returnCode: 4 });
  });

  it('never asks the registry about service usernames or impossible ids', () => {
    const devices = testDevices({});
    const authenticate = setup(devices);
    authenticate(service('ingest'));
    authenticate(service('admin'));
    authenticate(device({ username: 'r\u043edent-001' })); // Cyrillic 'о'
    authenticate(device({ username: 'devices/#' }));
    expect(devices.calls).toEqual([]);
  });

  it('answers "server unavailable" when the registry throws', () => {
    const failure = new Error('database is locked');
    const decision = setup({ verifyDevice: () => { throw failure; } })(device());
    expect(decision).toEqual({ result: 'auth_unavailable', returnCode: 3, error: failure });
  });

  it('refuses to start with a short service password', () => {
    expect(() => createConnectAuthenticator({ devices: testDevices({}), servicePassword: 'short', maxPayloadBytes: 1 })).toThrow(/at least 16/);
  });
});
