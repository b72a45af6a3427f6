/**
 * Roles and tenancy, enforced in one place (issue 4; docs/api.md "Access"). Every route under /api declares an
 * `access` in its config; the hooks installed here resolve the caller once per request (session cookie, API
 * token or ADMIN_TOKEN), check the role's permission (403) and the tenancy of any id in the path (404, so an
 * out-of-scope id is indistinguishable from one that does not exist). A route without `access` refuses to
 * register: deny by default (STYLE principle 10).
 *
 * Route modules use three helpers on the request: `scopeFilter(req)` for list queries, `assertInScope(req, loc)`
 * for ids that arrive in a query or body, and `actorOf(req)` for the audit log and alert actions.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role, Scope } from '../contracts/api/access.ts';
import { ApiError, type ApiErrorCode } from './errors.ts';

/** What a route needs; one permission per route. A string union: permissions will grow. */
export type Permission =
  | 'reference:read' | 'devices:read' | 'devices:manage' | 'readings:read' | 'live:read'
  | 'alerts:read' | 'alerts:acknowledge' | 'alerts:resolve' | 'alerts:comment'
  | 'grades:read' | 'surveys:read' | 'surveys:write'
  | 'users:manage' | 'tokens:manage' | 'audit:read' | 'audit:verify' | 'dead-letters:read' | 'dead-letters:replay'
  | 'self';

const READ: readonly Permission[] = ['self', 'reference:read', 'devices:read', 'readings:read', 'live:read', 'alerts:read', 'grades:read', 'surveys:read'];

/** The role table (STYLE principle 11: an explicit map). Tenancy narrows every row to the principal's scope. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  admin: new Set<Permission>([
    ...READ, 'devices:manage', 'alerts:acknowledge', 'alerts:resolve', 'alerts:comment', 'surveys:write',
    'users:manage', 'tokens:manage', 'audit:read', 'audit:verify', 'dead-letters:read', 'dead-letters:replay',
  ]),
  health_office: new Set<Permission>([...READ, 'devices:manage', 'alerts:acknowledge', 'alerts:resolve', 'alerts:comment', 'surveys:write', 'audit:read']),
  // Acknowledging is further limited to device alerts (api/routes/alerts.ts).
  contractor: new Set<Permission>([...READ, 'alerts:acknowledge', 'alerts:comment', 'surveys:write']),
  viewer: new Set<Permission>(READ),
};

export interface Principal {
  kind: 'user' | 'token' | 'admin_token';
  id: string;
  name: string;
  displayName: string;
  role: Role;
  scope: Scope;
  language: 'zh' | 'en';
  /** How the request proved who it is: a cookie session needs CSRF protection, a bearer token does not. */
  via: 'session' | 'bearer';
  sessionId?: string | undefined;
  csrfToken?: string | undefined;
  expiresAtMs?: number | undefined;
}

/** Where a thing sits: the districts it is in and the contractors serving it. */
export interface Location {
  districtIds: readonly string[];
  contractorIds: readonly string[];
}

export type ResourceType = 'device' | 'site' | 'district' | 'contractor' | 'alert' | 'user' | 'token' | 'dead_letter';
/** Resources that belong to a part of the city; users, tokens and dead letters belong to the administration. */
const TENANT_RESOURCES: ReadonlySet<ResourceType> = new Set(['device', 'site', 'district', 'contractor', 'alert']);

export interface RouteAccess {
  /** `public`: no principal needed (login). Otherwise the permission the role must hold. */
  permission: Permission | 'public';
  /** A path parameter naming a resource: must exist and be in the caller's scope, else 404. */
  resource?: { type: ResourceType; param: string } | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | null;
    tenancy: Tenancy | null;
    audited: boolean;
  }
}

/** What a principal's scope lets a list query see; contractor scopes are expanded to their sites. */
export type ScopeFilter =
  | { all: true }
  | { districtIds: readonly string[] }
  | { contractorId: string; siteIds: readonly string[]; districtIds: readonly string[] };

/** Registry lookups the tenancy checks need, injected by buildApp. */
export interface TenancyDeps {
  /** The location of a resource, or undefined when it does not exist. */
  locate: Readonly<Record<ResourceType, (id: string) => Location | undefined>>;
  /** Sites served by a contractor, with their districts. */
  sitesOf(contractorId: string): { id: string; districtId: string }[];
}

export interface Tenancy {
  inScope(scope: Scope, loc: Location): boolean;
  filter(scope: Scope): ScopeFilter;
  locate(type: ResourceType, id: string): Location | undefined;
}

export function createTenancy(deps: TenancyDeps): Tenancy {
  return {
    inScope(scope, loc) {
      if ('all' in scope) return true;
      if ('districtIds' in scope) return loc.districtIds.some((d) => scope.districtIds.includes(d));
      return loc.contractorIds.includes(scope.contractorId);
    },
    filter(scope) {
      if ('all' in scope) return { all: true };
      if ('districtIds' in scope) return { districtIds: scope.districtIds };
      const sites = deps.sitesOf(scope.contractorId);
      return { contractorId: scope.contractorId, siteIds: sites.map((s) => s.id), districtIds: [...new Set(sites.map((s) => s.districtId))] };
    },
    locate: (type, id) => deps.locate[type](id),
  };
}

export const NOT_FOUND_CODE: Readonly<Record<ResourceType, ApiErrorCode>> = {
  device: 'DEVICE_NOT_FOUND', site: 'SITE_NOT_FOUND', district: 'DISTRICT_NOT_FOUND', contractor: 'CONTRACTOR_NOT_FOUND',
  alert: 'ALERT_NOT_FOUND', user: 'USER_NOT_FOUND', token: 'TOKEN_NOT_FOUND', dead_letter: 'DEAD_LETTER_NOT_FOUND',
};

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError('UNAUTHENTICATED', 'not logged in');
  return req.principal;
}

function tenancyOf(req: FastifyRequest): Tenancy {
  if (!req.tenancy) throw new Error('tenancy hook not installed');
  return req.tenancy;
}

/** The filter a list query must apply for this caller. */
export const scopeFilter = (req: FastifyRequest): ScopeFilter => tenancyOf(req).filter(principalOf(req).scope);

/** Whether a location is in the caller's scope. */
export const isInScope = (req: FastifyRequest, loc: Location): boolean => tenancyOf(req).inScope(principalOf(req).scope, loc);

/**
 * Throws the type's NOT_FOUND (404) unless the resource exists and is in the caller's scope. For ids that come in
 * a query string or a body; path parameters are checked by the route's `access.resource`.
 */
export function assertInScope(req: FastifyRequest, type: ResourceType, id: string): Location {
  const t = tenancyOf(req);
  const loc = t.locate(type, id);
  if (!loc || !t.inScope(principalOf(req).scope, loc)) throw new ApiError(NOT_FOUND_CODE[type], `${type.replace('_', ' ')} ${id} not found`);
  return loc;
}

export function can(req: FastifyRequest, permission: Permission): boolean {
  return req.principal !== null && ROLE_PERMISSIONS[req.principal.role].has(permission);
}

/** How the principal appears in the audit log and on alerts: `user:<username>`, `token:<name>`, `admin-token`. */
export function actorOf(req: FastifyRequest): string {
  const p = principalOf(req);
  return p.kind === 'user' ? `user:${p.name}` : p.kind === 'token' ? `token:${p.name}` : 'admin-token';
}

/**
 * Installs the checks on an encapsulated instance (the /api plugin): resolves the principal with `authenticate`,
 * then permission and path-resource tenancy from each route's `access`. Refuses routes without `access`.
 */
export function installAccessControl(
  api: FastifyInstance,
  deps: { tenancy: Tenancy; authenticate: (req: FastifyRequest) => Promise<Principal | null> },
): void {
  api.addHook('onRoute', (opts) => {
    if (!opts.config?.access) throw new Error(`route ${opts.method} ${opts.url} declares no access (deny by default)`);
  });
  api.addHook('onRequest', async (req) => {
    req.tenancy = deps.tenancy;
    const access = req.routeOptions.config.access;
    if (!access) throw new ApiError('NOT_FOUND', `no route for ${req.method} ${req.url.split('?')[0]}`);
    req.principal = await deps.authenticate(req);
    if (access.permission === 'public') return;
    const p = principalOf(req);
    if (!ROLE_PERMISSIONS[p.role].has(access.permission)) {
      // Another tenant's ids must stay invisible even to a forbidden action: check a tenant's resource first.
      if (access.resource && TENANT_RESOURCES.has(access.resource.type)) assertPathResource(req, access.resource);
      throw new ApiError('FORBIDDEN', `role ${p.role} may not ${access.permission.replace(':', ' ')}`);
    }
    if (access.resource) assertPathResource(req, access.resource);
  });
}

function assertPathResource(req: FastifyRequest, resource: { type: ResourceType; param: string }): void {
  const id = (req.params as Record<string, string | undefined>)[resource.param];
  if (id === undefined) throw new Error(`route ${req.routeOptions.url} has no parameter ${resource.param}`);
  assertInScope(req, resource.type, id);
}
