import { retryAfterMs } from './errors.js';

export interface RetryOptions {
  /** retries after the first attempt (default 3) */
  maxRetries?: number;
  /** the longest wait before one retry (default 60,000 ms); a longer Retry-After gives up at once */
  maxDelayMs?: number;
  /** called before each wait, e.g. to log it */
  onRetry?: (event: { attempt: number; delayMs: number; url: string }) => void;
}

export type FetchLike = (request: Request) => Promise<Response>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Wraps fetch so that a 429 is retried after the server's Retry-After (or 1 s, 2 s, 4 s… without
 * one). Retrying sooner than the server asked would only spend the next window's budget, so a wait
 * longer than `maxDelayMs` returns the 429 to the caller instead of shortening it.
 */
export function retryingFetch(fetch: FetchLike, options: RetryOptions = {}): FetchLike {
  const maxRetries = options.maxRetries ?? 3;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  return async (request) => {
    for (let attempt = 1; ; attempt++) {
      // Each attempt sends a copy: a body can be read only once.
      const response = await fetch(request.clone());
      if (response.status !== 429 || attempt > maxRetries) return response;
      const delayMs = retryAfterMs(response.headers.get('retry-after')) ?? 1000 * 2 ** (attempt - 1);
      if (delayMs > maxDelayMs) return response;
      await response.body?.cancel();
      options.onRetry?.({ attempt, delayMs, url: request.url });
      await sleep(delayMs);
    }
  };
}
