import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseUnavailableError } from '../db/database.js';
import { AppError, type FieldIssue } from '../lib/errors.js';
import { patternMessage } from '../lib/patterns.js';

interface AjvIssue {
  instancePath: string;
  /** the offending value (Ajv's `verbose` option) */
  data?: unknown;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** How much of an offending value an error repeats: enough to recognise it, not a megabyte of it. */
export const ECHO_MAX = 100;

export function echoed(value: unknown): unknown {
  if (typeof value === 'string') return value.length > ECHO_MAX ? `${value.slice(0, ECHO_MAX)}…` : value;
  if (value !== null && typeof value === 'object') {
    const json = JSON.stringify(value);
    return json.length > ECHO_MAX ? `${json.slice(0, ECHO_MAX)}…` : value;
  }
  return value;
}

/** The most issues one response lists; a 10,000-row import with a bad column would list all otherwise. */
const MAX_ISSUES = 100;

/** `/contacts/3/email` -> `contacts[3].email` */
export function jsonPointerToField(pointer: string, root = ''): string {
  let out = root;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out ? `.${key}` : key;
  }
  return out;
}

function describeAjvIssue(issue: AjvIssue): { field: string; message: string } {
  const field = jsonPointerToField(issue.instancePath);
  switch (issue.keyword) {
    case 'required': {
      const missing = String(issue.params.missingProperty);
      return { field: field ? `${field}.${missing}` : missing, message: 'is required' };
    }
    case 'format':
      return { field, message: `must be a valid ${String(issue.params.format)}` };
    case 'pattern':
      return { field, message: patternMessage(String(issue.params.pattern)) };
    case 'enum':
      return { field, message: `must be one of: ${(issue.params.allowedValues as unknown[]).join(', ')}` };
    case 'additionalProperties':
      return {
        field: field ? `${field}.${String(issue.params.additionalProperty)}` : String(issue.params.additionalProperty),
        message: 'is not allowed',
      };
    default:
      return { field, message: issue.message ?? 'is invalid' };
  }
}

/** Seconds a client is asked to wait (Retry-After) when the database is unreachable: the pool reconnects on the next request. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/** The error itself or one of its causes, when it is a lost or unreachable database. */
function databaseUnavailable(error: unknown): DatabaseUnavailableError | null {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DatabaseUnavailableError) return e;
  }
  return null;
}

/** Turns whatever a handler or Fastify threw into the one error type the surfaces render. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (databaseUnavailable(error)) {
    return new AppError('UNAVAILABLE', 'Service unavailable', { cause: error, meta: { retryAfter: DATABASE_RETRY_AFTER_SECONDS } });
  }
  const fastifyError = error as FastifyError & { validation?: AjvIssue[]; validationContext?: string };
  if (fastifyError.validation) {
    const seen = new Set<string>();
    const issues: FieldIssue[] = [];
    // A nullable field's failure also reports "must be null" and "must match a schema in anyOf":
    // noise next to the real reason.
    const reported = (fastifyError.validation as AjvIssue[]).filter(
      (issue, _, all) =>
        issue.keyword !== 'anyOf' &&
        !(
          issue.keyword === 'type' &&
          issue.params.type === 'null' &&
          all.some((o) => o !== issue && o.instancePath === issue.instancePath && o.keyword !== 'anyOf')
        ),
    );
    for (const issue of reported) {
      const described = describeAjvIssue(issue);
      const key = `${described.field}|${described.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const context = fastifyError.validationContext ?? 'body';
      const field = !described.field ? context : described.field.startsWith('[') ? `${context}${described.field}` : described.field;
      issues.push({ ...described, field, ...(issue.keyword === 'required' ? {} : { value: echoed(issue.data) }) });
      if (issues.length >= MAX_ISSUES) break;
    }
    return AppError.validation(issues);
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return AppError.validation([{ field: 'body', message: 'is not valid JSON' }]);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return AppError.validation([{ field: 'body', message: 'does not match its Content-Length' }]);
  }
  if (error instanceof SyntaxError) return AppError.validation([{ field: 'body', message: 'is not valid JSON' }]);
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    return AppError.validation([{ field: 'request', message: fastifyError.message }]);
  }
  return new AppError('INTERNAL', 'Internal server error', { cause: error });
}

/**
 * The error handler of a surface: renders the AppError in that surface's envelope, tells a
 * client to come back later on a 503 (Retry-After), and logs server faults. A dependency that is
 * down is logged as one warning line without a stack: it is not a bug, and an outage would
 * otherwise fill the log with the same stack trace per request.
 */
export function appErrorHandler(render: (error: AppError) => unknown) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error);
    if (appError.code === 'UNAVAILABLE') {
      const cause = databaseUnavailable(error);
      request.log.warn({ reason: cause?.reason, detail: cause?.message }, 'request failed: a dependency is unavailable');
      const retryAfter = appError.meta.retryAfter;
      if (typeof retryAfter === 'number') reply.header('Retry-After', retryAfter);
    } else if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(appError.status).send(render(appError));
  };
}

/** The not-found handler of a surface: an unknown route is a 404 in that surface's envelope. */
export function notFoundHandler(render: (error: AppError) => unknown) {
  return (request: FastifyRequest, reply: FastifyReply) =>
    reply.code(404).send(render(new AppError('NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`)));
}
