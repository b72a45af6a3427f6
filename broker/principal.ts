/**
 * Who is on the other end of an MQTT connection, as established once at CONNECT (see `authenticate-connect.ts`).
 * Every later decision (publish, subscribe, forward) is made from the principal, never from the client id or
 * the username again, so the ACL stays a pure function of (principal, topic).
 */

/**
 * Back-end services that connect with the shared service password. A string union: roles will grow.
 * `notifier` is the Node-RED notification flows (notifications/), which only read alerts.
 */
export type ServiceRole = 'ingest' | 'rules' | 'api' | 'notifier';

export const SERVICE_ROLES: readonly ServiceRole[] = ['ingest', 'rules', 'api', 'notifier'];

export type Principal = { type: 'device'; id: string } | { type: 'service'; role: ServiceRole };

/**
 * Service usernames are `svc:{role}`. `:` is outside `DEVICE_ID_PATTERN`, so a service username can never
 * collide with a device id (contracts/topics.ts).
 */
export const SERVICE_USERNAME_PREFIX = 'svc:';

export const serviceUsername = (role: ServiceRole): string => `${SERVICE_USERNAME_PREFIX}${role}`;

/** The role named by a `svc:{role}` username, or null for anything else. */
export function parseServiceUsername(username: string): ServiceRole | null {
  if (!username.startsWith(SERVICE_USERNAME_PREFIX)) return null;
  const role = username.slice(SERVICE_USERNAME_PREFIX.length);
  return (SERVICE_ROLES as readonly string[]).includes(role) ? (role as ServiceRole) : null;
}

/** Short label for logs: `device:abc` or `svc:ingest`. */
export const describePrincipal = (p: Principal): string =>
  p.type === 'device' ? `device:${p.id}` : serviceUsername(p.role);
