import { randomBytes, randomInt } from 'node:crypto';

/**
 * 24-hex ObjectId-style ids, as the BotPenguin API exposes them: 4 bytes of seconds since the
 * epoch, 5 random bytes fixed per process, and a 3-byte counter. Written here rather than pulling
 * in `bson` for one function; the layout is MongoDB's, so ids sort roughly by creation time.
 */
const processUnique = randomBytes(5).toString('hex');
let counter = randomInt(0, 0xffffff);

export function newObjectId(nowMs: number = Date.now()): string {
  counter = (counter + 1) % 0x1000000;
  const seconds = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return seconds + processUnique + counter.toString(16).padStart(6, '0');
}

export const OBJECT_ID_PATTERN = '^[0-9a-fA-F]{24}$';

export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{24}$/i.test(value);
}

/** The PollyBot lead id shape: `lead_` and 16 hex characters (64 random bits). */
export function newLeadId(): string {
  return `lead_${randomBytes(8).toString('hex')}`;
}

/** PollyBot names the account a workspace; its id is the customer id behind `ws_`. */
export function workspaceIdOf(customerId: string): string {
  return `ws_${customerId}`;
}
