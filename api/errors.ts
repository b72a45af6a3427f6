/**
 * One error shape for every HTTP response that is not a success: `{code, message, details}`, stable codes,
 * never a stack trace. Handlers throw ApiError; anything else becomes INTERNAL (logged, not leaked).
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { ZodError } from 'zod';

export const API_ERROR_CODES = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  /** A person resolving a density alert must say what was done (peers.md §3 item 5). */
  CORRECTIVE_ACTION_REQUIRED: 400,
  UNAUTHENTICATED: 401,
  /** Wrong username or password; deliberately the same for both. */
  LOGIN_FAILED: 401,
  FORBIDDEN: 403,
  /** A mutation with the session cookie lacked the session's X-CSRF-Token, or came from another origin. */
  CSRF_FAILED: 403,
  ACCOUNT_DISABLED: 403,
  NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  SITE_NOT_FOUND: 404,
  DISTRICT_NOT_FOUND: 404,
  CONTRACTOR_NOT_FOUND: 404,
  ALERT_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  DEAD_LETTER_NOT_FOUND: 404,
  DEVICE_EXISTS: 409,
  USER_EXISTS: 409,
  ALERT_ALREADY_ACKNOWLEDGED: 409,
  ALERT_ALREADY_RESOLVED: 409,
  /** The stored payload was truncated (oversized): it cannot be replayed. */
  DEAD_LETTER_TRUNCATED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Too many failed logins: wait until `details.retryAfterS` has passed. */
  ACCOUNT_LOCKED: 429,
  INTERNAL: 500,
  NOT_IMPLEMENTED: 501,
  UNAVAILABLE: 503,
} as const;
export type ApiErrorCode = keyof typeof API_ERROR_CODES;

export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  details: unknown;
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly details: unknown;
  constructor(code: ApiErrorCode, message: string, details: unknown = null) {
    super(message);
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return API_ERROR_CODES[this.code];
  }
}

/** `code` when it is one of ours, else undefined. */
export const isApiErrorCode = (code: string): code is ApiErrorCode => Object.hasOwn(API_ERROR_CODES, code);

/** A zod failure as a 400 naming each field. */
export function validationError(err: ZodError, where: 'body' | 'query' | 'params'): ApiError {
  const issues = err.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  const first = issues[0];
  return new ApiError('VALIDATION_FAILED', first ? `${first.path}: ${first.message}` : 'invalid request', { issues });
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ code: 'NOT_FOUND', message: `no route for ${req.method} ${req.url.split('?')[0]}`, details: null });
  });
  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    if (err instanceof ApiError) {
      return reply.code(err.status).send({ code: err.code, message: err.message, details: err.details });
    }
    // fastify's own client errors (bad JSON, wrong content type, body too large) keep their 4xx status.
    const status = (err as FastifyError).statusCode ?? 500;
    if (status < 500) {
      const code: ApiErrorCode =
        (err as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'UNSUPPORTED_MEDIA_TYPE'
        : (err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE'
        : err instanceof SyntaxError || (err as FastifyError).code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'INVALID_JSON'
        : 'VALIDATION_FAILED';
      return reply.code(API_ERROR_CODES[code]).send({ code, message: err.message, details: null });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ code: 'INTERNAL', message: 'internal error', details: null });
  });
}
