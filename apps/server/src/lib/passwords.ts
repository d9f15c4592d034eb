import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * scrypt (memory-hard, in Node's crypto: no native add-on), r=8, p=1, N=2^cost. The production
 * default is OWASP's minimum, N=2^17 (about 128 MiB and ~0.3 s per hash). LEADBOX_PASSWORD_SCRYPT_COST
 * changes it (10–20); the test harness (LEADBOX_TEST=1) uses 2^10 unless it is set, because the
 * suites hash hundreds of passwords. Stored hashes carry their own N, so changing the cost never
 * breaks a sign-in.
 */
export const SCRYPT_COST_DEFAULT = 17;
export const SCRYPT_COST_TEST = 10;
export const SCRYPT_COST_MIN = 10;
export const SCRYPT_COST_MAX = 20;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

/** log2(N) from the environment; a bad value throws (loadConfig reports it at start-up first). */
export function scryptCost(env: Record<string, string | undefined> = process.env): number {
  const raw = env.LEADBOX_PASSWORD_SCRYPT_COST;
  if (raw === undefined || raw === '') return env.LEADBOX_TEST === '1' ? SCRYPT_COST_TEST : SCRYPT_COST_DEFAULT;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < SCRYPT_COST_MIN || value > SCRYPT_COST_MAX) {
    throw new Error(`LEADBOX_PASSWORD_SCRYPT_COST must be a whole number from ${SCRYPT_COST_MIN} to ${SCRYPT_COST_MAX}`);
  }
  return value;
}

/** scrypt needs 128·N·r bytes; allow twice that. */
const maxmem = (n: number, r: number) => Math.max(32 * 1024 * 1024, 256 * n * r);

export async function hashPassword(password: string, cost: number = scryptCost()): Promise<string> {
  const N = 2 ** cost;
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: maxmem(N, R) });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const [scheme, n, r, p, salt, expected] = (stored ?? '').split('$');
  if (scheme !== 'scrypt' || !salt || !expected) return false;
  const want = Buffer.from(expected, 'base64url');
  const N = Number(n);
  const R_ = Number(r);
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), want.length, {
    N,
    r: R_,
    p: Number(p),
    maxmem: maxmem(N, R_),
  });
  return key.length === want.length && timingSafeEqual(key, want);
}

/** A password people can type from a terminal: 4 groups of 5 base32 characters (100 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(20);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return (chars.match(/.{5}/g) as string[]).join('-');
}

export const PASSWORD_MIN_LENGTH = 10;
