/** The closed list of failures; each API surface renders them in its own envelope. */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One bad field: where, why, and (for surfaces that echo it) what was sent. */
export interface FieldIssue {
  field: string;
  message: string;
  value?: unknown;
}

export interface AppErrorOptions {
  issues?: FieldIssue[];
  /** surface-specific extras, e.g. the existing lead id of a duplicate, or an auth failure kind */
  meta?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  readonly issues: FieldIssue[];
  readonly meta: Record<string, unknown>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
    this.issues = options.issues ?? [];
    this.meta = options.meta ?? {};
  }

  static validation(issues: FieldIssue[], message = 'Validation failed'): AppError {
    return new AppError('VALIDATION_ERROR', message, { issues });
  }

  static notFound(what: string, field?: string, value?: unknown): AppError {
    return new AppError('NOT_FOUND', `${what} not found`, {
      issues: field ? [{ field, message: `no ${what.toLowerCase()} with this id`, value }] : [],
    });
  }
}
