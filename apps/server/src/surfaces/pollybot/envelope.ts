import { type TSchema, Type } from 'typebox';
import type { AppError } from '../../lib/errors.js';
import type { AuthProblem } from '../../plugins/api-guard.js';

export interface PollyBotError {
  success: false;
  error: string;
  code: string;
  details?: Record<string, unknown>;
}

const AUTH: Record<AuthProblem, { error: string; code: string }> = {
  missing: { error: 'Missing authorization header', code: 'MISSING_AUTH_HEADER' },
  malformed: { error: 'Malformed authorization header. Expected format: Bearer <token>', code: 'MALFORMED_AUTH_HEADER' },
  invalid: { error: 'Invalid API key', code: 'INVALID_API_KEY' },
};

const ucfirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** `{success:false, error, code, details?}` with the vendor's documented codes and texts. */
export function renderPollyBotError(e: AppError): PollyBotError {
  switch (e.code) {
    case 'VALIDATION_ERROR': {
      const [first] = e.issues;
      if (!first) return { success: false, error: 'Validation failed', code: 'VALIDATION_ERROR' };
      const details: Record<string, unknown> = {
        field: first.field,
        value: first.value ?? null,
        message: `${ucfirst(first.field)} ${first.message}`,
      };
      if (e.issues.length > 1)
        details.errors = e.issues.map((i) => ({ field: i.field, value: i.value ?? null, message: `${ucfirst(i.field)} ${i.message}` }));
      return { success: false, error: 'Validation failed', code: 'VALIDATION_ERROR', details };
    }
    case 'UNAUTHORIZED':
      // Panel sign-in and sessions say what happened in their own words, not "Invalid API key".
      if (e.meta.session) return { success: false, error: e.message, code: 'UNAUTHORIZED' };
      return { success: false, ...AUTH[(e.meta.problem as AuthProblem | undefined) ?? 'invalid'] };
    case 'FORBIDDEN':
      return { success: false, error: e.message, code: 'FORBIDDEN' };
    case 'NOT_FOUND':
      if (e.meta.resource === 'chatbot') return { success: false, error: 'Chatbot not found or access denied', code: 'CHATBOT_NOT_FOUND' };
      if (e.meta.resource === 'lead') return { success: false, error: 'Lead not found', code: 'LEAD_NOT_FOUND' };
      if (e.meta.resource === 'chat') return { success: false, error: 'Chat not found', code: 'CHAT_NOT_FOUND' };
      if (e.meta.resource === 'webhook') return { success: false, error: 'Webhook subscription not found', code: 'WEBHOOK_NOT_FOUND' };
      if (e.meta.resource === 'delivery') return { success: false, error: 'Delivery not found', code: 'DELIVERY_NOT_FOUND' };
      return { success: false, error: e.message, code: 'NOT_FOUND' };
    case 'CONFLICT':
      if (e.meta.reason === 'DUPLICATE_EMAIL') {
        return {
          success: false,
          error: 'Email already exists',
          code: 'DUPLICATE_EMAIL',
          details: {
            email: e.meta.email,
            existingLeadId: e.meta.existingLeadId,
            message: 'A different lead with this email already exists in your workspace',
          },
        };
      }
      return { success: false, error: e.message, code: 'CONFLICT' };
    case 'RATE_LIMITED':
      return {
        success: false,
        error: 'Rate limit exceeded',
        code: 'RATE_LIMIT_EXCEEDED',
        details: { limit: e.meta.limit, remaining: e.meta.remaining, resetTime: e.meta.resetTime, retryAfter: e.meta.retryAfter },
      };
    case 'PAYLOAD_TOO_LARGE':
      return { success: false, error: 'Request body is too large', code: 'PAYLOAD_TOO_LARGE' };
    case 'UNSUPPORTED_MEDIA_TYPE':
      return { success: false, error: 'Content-Type must be application/json', code: 'UNSUPPORTED_MEDIA_TYPE' };
    case 'UNAVAILABLE':
      return { success: false, error: 'Service unavailable', code: 'SERVICE_UNAVAILABLE' };
    case 'INTERNAL':
      return { success: false, error: 'Internal server error', code: 'INTERNAL_ERROR' };
  }
}

export const ErrorBody = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.String(),
    code: Type.String({ examples: ['VALIDATION_ERROR'] }),
    details: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { title: 'PollyBotError' },
);

/** The error responses every /api/v1 route may give (503: the database is unreachable; see Retry-After). */
export const errorResponses = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody } as const;

/** The success envelope of PollyBot's API and leadbox's own `/api/v1` routes: `{success: true, data}`. */
export function ok<T>(data: T): { success: true; data: T } {
  return { success: true, data };
}

/** The schema of `ok(data)`. */
export function Ok<T extends TSchema>(data: T) {
  return Type.Object({ success: Type.Literal(true), data });
}
