/** Times are stored as integer epoch milliseconds (portable across SQLite and PostgreSQL). */
export function toIso(ms: number | null | undefined): string | null {
  return ms == null ? null : new Date(ms).toISOString();
}

export function parseIsoToMs(value: string): number | null {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
