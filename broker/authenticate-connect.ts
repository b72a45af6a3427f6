/**
 * Decides a CONNECT: who the client is (its principal) or why it is refused, with the MQTT 3.1.1 CONNACK
 * return code to send (§3.2.2.3, table 3.1). Pure apart from the injected `DeviceAuthenticator`; aedes wiring
 * is in `create-broker.ts`.
 *
 * Order matters: credentials are checked before the client id and the will, so a client without valid
 * credentials learns nothing beyond "bad user name or password" — not whether a device id exists.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { DeviceAuthenticator } from '../contracts/registry.ts';
import { DEVICE_ID_PATTERN, deviceTopic } from '../contracts/topics.ts';
import { mayPublish } from './acl.ts';
import { parseServiceUsername, serviceUsername, SERVICE_USERNAME_PREFIX, type Principal } from './principal.ts';

/** CONNACK return codes of MQTT 3.1.1 table 3.1 that this broker sends on refusal. */
export const CONNACK_RETURN_CODES = {
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;
export type ConnackRefusalCode = (typeof CONNACK_RETURN_CODES)[keyof typeof CONNACK_RETURN_CODES];

/** Outcome of a CONNECT, used as the `result` label of the connections metric: values are stable. */
export type ConnectResult =
  | 'accepted'
  | 'missing_credentials'
  | 'unknown_device'
  | 'disabled_device'
  | 'bad_password'
  | 'unknown_service'
  | 'client_id_mismatch'
  | 'will_denied'
  | 'auth_unavailable';

export type RefusalResult = Exclude<ConnectResult, 'accepted'>;

const RETURN_CODE_BY_RESULT: Readonly<Record<RefusalResult, ConnackRefusalCode>> = {
  // Unknown id and wrong password share code 4 so a scanner cannot enumerate device ids.
  missing_credentials: CONNACK_RETURN_CODES.badUsernameOrPassword,
  unknown_device: CONNACK_RETURN_CODES.badUsernameOrPassword,
  bad_password: CONNACK_RETURN_CODES.badUsernameOrPassword,
  unknown_service: CONNACK_RETURN_CODES.badUsernameOrPassword,
  disabled_device: CONNACK_RETURN_CODES.notAuthorized,
  will_denied: CONNACK_RETURN_CODES.notAuthorized,
  client_id_mismatch: CONNACK_RETURN_CODES.identifierRejected,
  auth_unavailable: CONNACK_RETURN_CODES.serverUnavailable,
};

/** The parts of a CONNECT packet the decision reads. */
export interface ConnectRequest {
  clientId: string;
  username?: string | undefined;
  password?: Buffer | undefined;
  will?: { topic: string; payload: Buffer | string } | undefined;
}

export type ConnectDecision =
  | { result: 'accepted'; principal: Principal }
  | { result: RefusalResult; returnCode: ConnackRefusalCode; error?: unknown };

export interface ConnectAuthenticatorOptions {
  devices: DeviceAuthenticator;
  servicePassword: string;
  maxPayloadBytes: number;
}

export type ConnectAuthenticator = (req: ConnectRequest) => ConnectDecision;

const refuse = (result: RefusalResult, error?: unknown): ConnectDecision =>
  error === undefined
    ? { result, returnCode: RETURN_CODE_BY_RESULT[result] }
    : { result, returnCode: RETURN_CODE_BY_RESULT[result], error };

const sha256 = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();

/** Same length as config's MQTT_SERVICE_PASSWORD minimum. */
export const MIN_SERVICE_PASSWORD_LENGTH = 16;

export function createConnectAuthenticator(opts: ConnectAuthenticatorOptions): ConnectAuthenticator {
  if (opts.servicePassword.length < MIN_SERVICE_PASSWORD_LENGTH) {
    throw new TypeError(`servicePassword must be at least ${MIN_SERVICE_PASSWORD_LENGTH} characters`);
  }
  // Hashing both sides gives equal-length buffers, as timingSafeEqual requires, without leaking the length.
  const serviceHash = sha256(opts.servicePassword);

  function identify(username: string, password: Buffer): { principal: Principal } | ConnectDecision {
    if (username.startsWith(SERVICE_USERNAME_PREFIX)) {
      const role = parseServiceUsername(username);
      if (role === null) return refuse('unknown_service');
      if (!timingSafeEqual(sha256(password), serviceHash)) return refuse('bad_password');
      return { principal: { type: 'service', role } };
    }
    // Never hand the registry a string that cannot be a device id.
    if (!DEVICE_ID_PATTERN.test(username)) return refuse('unknown_device');
    let verdict;
    try {
      verdict = opts.devices.verifyDevice(username, password.toString('utf8'));
    } catch (error) {
      return refuse('auth_unavailable', error);
    }
    switch (verdict) {
      case 'ok':
        return { principal: { type: 'device', id: username } };
      case 'unknown':
        return refuse('unknown_device');
      case 'disabled':
        return refuse('disabled_device');
      case 'bad_password':
        return refuse('bad_password');
    }
  }

  return function authenticateConnect(req) {
    if (req.username === undefined || req.username === '' || req.password === undefined) {
      return refuse('missing_credentials');
    }
    const identified = identify(req.username, req.password);
    if (!('principal' in identified)) return identified;
    const { principal } = identified;

    // A device's client id is its id, so nobody else can take over its persistent session [MQTT-3.1.4-2];
    // a service's starts with its username, keeping service sessions out of the device id space.
    const clientIdOk =
      principal.type === 'device'
        ? req.clientId === principal.id
        : req.clientId.startsWith(serviceUsername(principal.role));
    if (!clientIdOk) return refuse('client_id_mismatch');

    if (req.will !== undefined) {
      const willTopicOk =
        principal.type === 'device'
          ? req.will.topic === deviceTopic(principal.id, 'status')
          : mayPublish(principal, req.will.topic);
      if (!willTopicOk || Buffer.byteLength(req.will.payload) > opts.maxPayloadBytes) return refuse('will_denied');
    }
    return { result: 'accepted', principal };
  };
}
