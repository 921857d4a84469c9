/**
 * The one error shape of the HTTP API: `{code, message, details[]}`, each detail naming where
 * (a field path, a line of an NDJSON body, a header) and what is wrong.
 */
import type { ZodError } from 'zod';
import { UserError } from '../errors.ts';

export interface ErrorDetail {
  readonly where: string;
  readonly field?: string;
  readonly message: string;
}

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details: readonly ErrorDetail[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: readonly ErrorDetail[];
  /** Extra response headers (e.g. WWW-Authenticate). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, details: readonly ErrorDetail[] = [], headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }

  body(): ErrorBody {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export const notFound = (what: string, where = 'path'): ApiError => new ApiError(404, 'not-found', `${what} not found`, [{ where, message: `no ${what} visible to this caller` }]);
export const forbidden = (message: string, where = 'authorization'): ApiError => new ApiError(403, 'forbidden', message, [{ where, message }]);

/** zod issues → a 400 naming each field. */
export function validationError(where: string, error: ZodError): ApiError {
  return new ApiError(
    400,
    'invalid-input',
    `the ${where} is not valid`,
    error.issues.map((i) => ({ where, field: i.path.length ? i.path.map(String).join('.') : `(${where})`, message: i.message })),
  );
}

/** User errors from the shared layers (unknown organisation, bad rows, …) keep their code. */
export function fromUserError(err: UserError): ApiError {
  const status = err.code === 'not-found' ? 404 : err.code === 'conflict' ? 409 : 400;
  return new ApiError(
    status,
    err.code,
    err.message,
    err.problems.map((p) => (p.field === undefined ? { where: p.where, message: p.message } : { where: p.where, field: p.field, message: p.message })),
  );
}

/** Errors Fastify raises itself (body too large, bad JSON, rate limit, …) in our shape. */
export function fromFastifyError(err: { statusCode?: number; code?: string; message: string }): ApiError {
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
  if (status >= 500) return new ApiError(500, 'internal', 'internal error; the request id in the logs says where');
  const code =
    err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? 'body-too-large'
      : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? 'unsupported-media-type'
        : err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
          ? 'invalid-json'
          : status === 429
            ? 'rate-limited'
            : status === 404
              ? 'not-found'
              : 'bad-request';
  return new ApiError(status, code, err.message, [{ where: 'request', message: err.message }]);
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof UserError) return fromUserError(err);
  if (typeof err === 'object' && err !== null && 'message' in err) return fromFastifyError(err as { statusCode?: number; code?: string; message: string });
  return new ApiError(500, 'internal', 'internal error; the request id in the logs says where');
}
