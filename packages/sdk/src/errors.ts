export type Surface = 'botpenguin' | 'pollybot';

/**
 * Any non-2xx answer. `code` and `details` are the surface's own: BotPenguin's numeric `code` (it
 * repeats the status) and its `data` lines ("field: reason"); PollyBot's `code` string
 * (`LEAD_NOT_FOUND`, `VALIDATION_ERROR`, …) and its `details` object.
 */
export class LeadboxError extends Error {
  override readonly name = 'LeadboxError';

  constructor(
    readonly status: number,
    readonly surface: Surface,
    readonly code: number | string,
    readonly details: string[] | Record<string, unknown> | undefined,
    message: string,
    /** seconds the server asked to wait (Retry-After), on a 429 */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }

  isBotPenguin(): this is LeadboxError & { surface: 'botpenguin'; code: number; details: string[] } {
    return this.surface === 'botpenguin';
  }

  isPollyBot(): this is LeadboxError & { surface: 'pollybot'; code: string; details: Record<string, unknown> | undefined } {
    return this.surface === 'pollybot';
  }

  /** Reads the error body the way each surface writes it; a body from elsewhere (a proxy's HTML page) still gives a useful error. */
  static from(response: Response, body: unknown, surface: Surface): LeadboxError {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const retryAfter = retryAfterMs(response.headers.get('retry-after'));
    const seconds = retryAfter === null ? null : Math.ceil(retryAfter / 1000);
    const fallback = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if (surface === 'botpenguin') {
      const data = Array.isArray(b.data) ? b.data.map(String) : [];
      const message = typeof b.message === 'string' ? b.message : fallback;
      const code = typeof b.code === 'number' ? b.code : response.status;
      return new LeadboxError(response.status, surface, code, data, data.length ? `${message}: ${data.join('; ')}` : message, seconds);
    }
    const details = typeof b.details === 'object' && b.details !== null ? (b.details as Record<string, unknown>) : undefined;
    const error = typeof b.error === 'string' ? b.error : fallback;
    const code = typeof b.code === 'string' ? b.code : `HTTP_${response.status}`;
    const detail = typeof details?.message === 'string' ? `: ${details.message}` : '';
    return new LeadboxError(response.status, surface, code, details, `${error}${detail}`, seconds);
  }
}

/** Retry-After as milliseconds: whole seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
