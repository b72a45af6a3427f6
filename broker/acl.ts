/**
 * Topic ACL of device contract v1. Deny by default: a principal may do only what its row of the table grants.
 * Pure functions of (principal, topic); `create-broker.ts` wires them into aedes' authorize hooks.
 *
 * | principal | publish                                   | subscribe (filters it may use, or narrower)       |
 * |-----------|-------------------------------------------|---------------------------------------------------|
 * | device X  | devices/X/telemetry, devices/X/status     | exactly devices/X/errors, devices/X/config        |
 * | ingest    | devices/{id}/errors                       | devices/+/telemetry, devices/+/status             |
 * | rules     | alerts/#                                  | devices/+/telemetry, devices/+/status             |
 * | api       | —                                         | devices/+/telemetry, devices/+/status, alerts/#   |
 * | notifier  | —                                         | alerts/#                                          |
 *
 * Nobody publishes or subscribes to `$…` topics (`$SYS/#` included; aedes #597). Any topic under `devices/`
 * must follow the device grammar (`parseDeviceTopic`), so an id with `/`, `+`, `#` or a unicode look-alike
 * never names a device.
 */
import { DEVICE_ID_PATTERN, deviceTopic, parseDeviceTopic, ALL_STATUS, ALL_TELEMETRY } from '../contracts/topics.ts';
import type { Principal, ServiceRole } from './principal.ts';
import { filterCovers, isValidTopicFilter, isValidTopicName, topicMatches, MULTI_LEVEL, SINGLE_LEVEL } from './topic-filter.ts';

/** Why a publish or subscribe was refused; used as a metric label, so values are stable. */
export type AclDenial = 'invalid_topic' | 'not_permitted';

interface ServiceGrant {
  /** Filters the concrete topic of a PUBLISH must match. */
  publish: readonly string[];
  /** Filters a SUBSCRIBE filter must be covered by (equal or narrower). */
  subscribe: readonly string[];
}

const ALERTS = 'alerts/#';
const ALL_ERRORS = 'devices/+/errors';

export const SERVICE_GRANTS: Readonly<Record<ServiceRole, ServiceGrant>> = {
  ingest: { publish: [ALL_ERRORS], subscribe: [ALL_TELEMETRY, ALL_STATUS] },
  rules: { publish: [ALERTS], subscribe: [ALL_TELEMETRY, ALL_STATUS] },
  api: { publish: [], subscribe: [ALL_TELEMETRY, ALL_STATUS, ALERTS] },
  notifier: { publish: [], subscribe: [ALERTS] },
};

const devicePublishTopics = (id: string): string[] => [deviceTopic(id, 'telemetry'), deviceTopic(id, 'status')];
/** What a device may subscribe to and therefore receive: exact topics, no wildcards. */
const deviceInboundTopics = (id: string): string[] => [deviceTopic(id, 'errors'), deviceTopic(id, 'config')];

const isReserved = (topicOrFilter: string): boolean => topicOrFilter.startsWith('$');

/** A concrete topic under `devices/` must be `devices/{valid id}/{known channel}`. */
function followsDeviceGrammar(topic: string): boolean {
  return !topic.startsWith('devices/') || parseDeviceTopic(topic) !== null;
}

/** A filter under `devices/` must have a valid id or a wildcard in the id level. */
function filterFollowsDeviceGrammar(filter: string): boolean {
  const levels = filter.split('/');
  if (levels[0] !== 'devices' || levels.length < 2) return true;
  const id = levels[1] ?? '';
  return id === SINGLE_LEVEL || id === MULTI_LEVEL || DEVICE_ID_PATTERN.test(id);
}

const validDevice = (p: Principal): boolean => p.type === 'service' || DEVICE_ID_PATTERN.test(p.id);

/** Why `p` may not publish to `topic`, or null if it may. */
export function publishDenial(p: Principal, topic: string): AclDenial | null {
  if (!isValidTopicName(topic) || !followsDeviceGrammar(topic)) return 'invalid_topic';
  if (isReserved(topic) || !validDevice(p)) return 'not_permitted';
  const allowed =
    p.type === 'device'
      ? devicePublishTopics(p.id).includes(topic)
      : SERVICE_GRANTS[p.role].publish.some((f) => topicMatches(f, topic));
  return allowed ? null : 'not_permitted';
}

export const mayPublish = (p: Principal, topic: string): boolean => publishDenial(p, topic) === null;

/** Why `p` may not subscribe to `filter` (which may contain `+` and `#`), or null if it may. */
export function subscribeDenial(p: Principal, filter: string): AclDenial | null {
  if (!isValidTopicFilter(filter) || !filterFollowsDeviceGrammar(filter)) return 'invalid_topic';
  if (isReserved(filter) || !validDevice(p)) return 'not_permitted';
  const allowed =
    p.type === 'device'
      ? deviceInboundTopics(p.id).includes(filter)
      : SERVICE_GRANTS[p.role].subscribe.some((f) => filterCovers(f, filter));
  return allowed ? null : 'not_permitted';
}

export const maySubscribe = (p: Principal, filter: string): boolean => subscribeDenial(p, filter) === null;

/**
 * Whether a message on the concrete `topic` may be delivered to `p`. Checked for every outgoing packet
 * (live, queued and retained) as defence in depth, so a mistake in the subscribe check cannot leak another
 * device's data (aedes-cli #158: retained messages reached through wildcards).
 */
export function mayReceive(p: Principal, topic: string): boolean {
  if (!isValidTopicName(topic) || !followsDeviceGrammar(topic)) return false;
  if (isReserved(topic) || !validDevice(p)) return false;
  return p.type === 'device'
    ? deviceInboundTopics(p.id).includes(topic)
    : SERVICE_GRANTS[p.role].subscribe.some((f) => topicMatches(f, topic));
}
