import { PASSWORD_MIN_LENGTH } from './passwords.js';

export const PASSWORD_MAX_LENGTH = 200;

/**
 * Passwords of 10 characters or more that top the public breach-corpus frequency lists. Offline on
 * purpose: a self-hosted install must not send password hashes (or their prefixes) anywhere. Short
 * common passwords are already refused by the length rule; this catches the long ones people reach for.
 */
const COMMON = new Set(
  [
    '1234567890',
    '12345678910',
    '123456789012',
    '0987654321',
    '1111111111',
    '0123456789',
    '1234512345',
    '1q2w3e4r5t',
    '1q2w3e4r5t6y',
    'q1w2e3r4t5',
    'qwertyuiop',
    'qwerty1234',
    'qwerty12345',
    'qwerty123456',
    'asdfghjkl1',
    'zxcvbnm123',
    'password12',
    'password123',
    'password1234',
    'password!1',
    'passw0rd123',
    'p@ssw0rd123',
    'iloveyou12',
    'iloveyou123',
    'princess123',
    'sunshine123',
    'football123',
    'baseball123',
    'basketball',
    'superman123',
    'starwars123',
    'welcome123',
    'welcome1234',
    'letmein123',
    'monkey12345',
    'dragon12345',
    'abc1234567',
    'abcd123456',
    'abcdefghij',
    'administrator',
    'admin12345',
    'admin123456',
    'changeme123',
    'trustno1234',
    'michael123',
    'charlie123',
    'jennifer123',
    'computer123',
    'whatever123',
    'qazwsxedc123',
    '1qaz2wsx3edc',
    'zaq12wsxcde3',
    'leadbox123',
    'leadbox1234',
  ].map((p) => p.toLowerCase()),
);

/** Why a password a person chose is refused, or null when it is fine (docs/security.md, "Passwords"). */
export function passwordProblem(password: string, context: { email?: string } = {}): string | null {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    return `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`;
  }
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'is one of the most common passwords: choose another';
  if (new Set(lower).size < 3) return 'must use more than two different characters';
  const email = context.email?.trim().toLowerCase();
  if (email && (lower === email || lower === email.split('@')[0])) return 'must not be the email address';
  return null;
}
