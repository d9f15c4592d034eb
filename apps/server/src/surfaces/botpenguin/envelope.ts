import { type TSchema, Type } from 'typebox';
import type { AppError, ErrorCode } from '../../lib/errors.js';

/** The vendor's documented messages where it has them; the rest in the same voice. */
const MESSAGES: Record<ErrorCode, string> = {
  VALIDATION_ERROR: 'Bad request / invalid parameters',
  UNAUTHORIZED: 'Unauthorized request',
  FORBIDDEN: 'Forbidden',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Conflict',
  PAYLOAD_TOO_LARGE: 'Request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'Content-Type must be application/json',
  RATE_LIMITED: 'Too many requests',
  INTERNAL: 'Internal server error',
  UNAVAILABLE: 'Service unavailable',
};

export interface BotPenguinError {
  success: false;
  message: string;
  code: number;
  data: string[];
}

/** `{success:false, message, code, data}` where `data` names each bad field and why (Pipedream joins it). */
export function renderBotPenguinError(error: AppError): BotPenguinError {
  const data = error.issues.map((i) => `${i.field}: ${i.message}`);
  if (data.length === 0 && error.code !== 'INTERNAL' && error.message !== MESSAGES[error.code]) data.push(error.message);
  return { success: false, message: MESSAGES[error.code], code: error.status, data };
}

export function ok<T>(data: T, message = 'ok'): { success: true; message: string; code: 200; data: T } {
  return { success: true, message, code: 200, data };
}

/** `{success: true, message: 'ok', code}`: BotPenguin's answer to a write that returns no data. */
export function done(code: 200 | 201 = 200): { success: true; message: string; code: number } {
  return { success: true, message: 'ok', code };
}

export const ErrorEnvelope = Type.Object(
  {
    success: Type.Literal(false),
    message: Type.String({ examples: ['Bad request / invalid parameters'] }),
    code: Type.Integer({ examples: [400] }),
    data: Type.Array(Type.String(), {
      description: 'One human-readable line per bad field',
      examples: [['email: must be a valid email address']],
    }),
  },
  { title: 'BotPenguinError' },
);

export function Envelope<T extends TSchema>(data: T, description?: string) {
  return Type.Object({ success: Type.Literal(true), message: Type.String(), code: Type.Integer(), data }, { description });
}

export const OkEnvelope = Type.Object({ success: Type.Literal(true), message: Type.String(), code: Type.Integer() });

/** The error responses every /inbox route may give (503: the database is unreachable; see Retry-After). */
export const errorResponses = {
  400: ErrorEnvelope,
  401: ErrorEnvelope,
  404: ErrorEnvelope,
  429: ErrorEnvelope,
  503: ErrorEnvelope,
} as const;
