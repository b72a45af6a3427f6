/**
 * Who may see and do what (issue 4): roles, tenancy scopes, users, API tokens and sessions as the HTTP API shows
 * them. A scope says which part of the city a principal sees; a role says what it may do there. The API enforces
 * both in one place (api/access.ts, docs/api.md); these are the shapes.
 */
import { z } from 'zod';

const RefIdSchema = z.string().regex(/^[A-Za-z0-9_-]{2,64}$/, 'id must match ^[A-Za-z0-9_-]{2,64}$');
const Instant = () => z.iso.datetime({ offset: true });

/** A string union: roles will grow. */
export const ROLES = ['admin', 'health_office', 'contractor', 'viewer'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/**
 * The part of the city a principal sees.
 * - `{ all: true }`: everything (admin).
 * - `{ districtIds }`: every site, device, reading and alert in these districts, whichever contractor serves them
 *   (a health office, peers.md §3 item 6).
 * - `{ contractorId }`: the sites this contractor serves, in any district, and nothing else.
 */
export const ScopeSchema = z.union([
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({ districtIds: z.array(RefIdSchema).min(1).max(100) }),
  z.strictObject({ contractorId: RefIdSchema }),
]);
export type Scope = z.infer<typeof ScopeSchema>;

/** Which scope shapes each role may hold. A viewer is read-only, scoped like an office or a contractor. */
export const ROLE_SCOPES: Readonly<Record<Role, readonly ('all' | 'districtIds' | 'contractorId')[]>> = {
  admin: ['all'],
  health_office: ['districtIds'],
  contractor: ['contractorId'],
  viewer: ['districtIds', 'contractorId'],
};

export const scopeKind = (s: Scope): 'all' | 'districtIds' | 'contractorId' =>
  'all' in s ? 'all' : 'districtIds' in s ? 'districtIds' : 'contractorId';

/** Adds a `scope` issue when the scope's shape does not fit the role. */
function roleFitsScope(v: { role: Role; scope: Scope }, ctx: z.RefinementCtx): void {
  if (!ROLE_SCOPES[v.role].includes(scopeKind(v.scope))) {
    ctx.addIssue({ code: 'custom', path: ['scope'], message: `role ${v.role} takes a scope of ${ROLE_SCOPES[v.role].join(' or ')}` });
  }
}

export const UsernameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, 'username must be 3–64 characters: lower-case letters, digits, . _ -');
/** NIST SP 800-63B §5.1.1.2: at least 8 characters, no composition rules; 256 is a bound on hashing work. */
export const PasswordSchema = z.string().min(10, 'password must be at least 10 characters').max(256);

export const LanguageSchema = z.enum(['zh', 'en']);

export const UserCreateSchema = z
  .strictObject({
    username: UsernameSchema,
    displayName: z.string().min(1).max(100),
    role: RoleSchema,
    scope: ScopeSchema,
    password: PasswordSchema.optional().describe('omit to have one generated and returned once'),
    language: LanguageSchema.default('zh'),
  })
  .superRefine(roleFitsScope);
export type UserCreate = z.input<typeof UserCreateSchema>;

export const UserSchema = z.strictObject({
  id: z.string(),
  username: UsernameSchema,
  displayName: z.string(),
  role: RoleSchema,
  scope: ScopeSchema,
  language: LanguageSchema,
  status: z.enum(['active', 'disabled']),
  createdAt: Instant(),
  lockedUntil: Instant().nullable().describe('set while the account is locked after repeated failed logins'),
});
export type User = z.infer<typeof UserSchema>;

/** Returned once, when a password is generated: at creation or an admin's reset. */
export const UserWithPasswordSchema = z.strictObject({ user: UserSchema, password: z.string() });

export const LoginRequestSchema = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });

export const PasswordChangeSchema = z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword: PasswordSchema });

export const PrincipalKindSchema = z.enum(['user', 'token', 'admin_token']);

/** The caller as the API sees it (`GET /api/session`). */
export const PrincipalSchema = z.strictObject({
  kind: PrincipalKindSchema,
  id: z.string().describe('user id, token id, or "admin-token"'),
  name: z.string().describe('username, token name, or "admin-token"'),
  displayName: z.string(),
  role: RoleSchema,
  scope: ScopeSchema,
  language: LanguageSchema,
});
export type PrincipalView = z.infer<typeof PrincipalSchema>;

export const SessionSchema = z.strictObject({
  principal: PrincipalSchema,
  /** Send as `X-CSRF-Token` on every mutation made with the session cookie. */
  csrfToken: z.string().nullable(),
  expiresAt: Instant().nullable(),
});

export const TokenCreateSchema = z
  .strictObject({
    name: z.string().min(1).max(100),
    role: RoleSchema,
    scope: ScopeSchema,
    expiresAt: Instant().optional(),
  })
  .superRefine(roleFitsScope);
export type TokenCreate = z.infer<typeof TokenCreateSchema>;

export const TokenSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  role: RoleSchema,
  scope: ScopeSchema,
  createdBy: z.string(),
  createdAt: Instant(),
  expiresAt: Instant().nullable(),
  revokedAt: Instant().nullable(),
  lastUsedAt: Instant().nullable(),
});
export type Token = z.infer<typeof TokenSchema>;

/** Returned once, at creation: the only time the secret exists outside the caller. */
export const TokenWithSecretSchema = z.strictObject({ token: TokenSchema, secret: z.string() });
