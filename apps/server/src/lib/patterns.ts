/**
 * Field patterns shared by schemas, with the sentence a client sees when one does not match
 * (Ajv would otherwise print the regular expression).
 */
export const PATTERNS = {
  objectId: { pattern: '^[0-9a-fA-F]{24}$', message: 'must be a 24-character hex id' },
  uuid: {
    pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
    message: 'must be a UUID (8-4-4-4-12 hex digits)',
  },
  email: { pattern: '^[^\\s@]+@[^\\s@.]+(\\.[^\\s@.]+)+$', message: 'must be a valid email address' },
  emailOrEmpty: { pattern: '^$|^[^\\s@]+@[^\\s@.]+(\\.[^\\s@.]+)+$', message: 'must be a valid email address' },
  phoneDigits: { pattern: '^\\d{4,15}$', message: 'must be 4 to 15 digits, without spaces, "+" or the dial code' },
  phoneDigitsOrEmpty: { pattern: '^$|^\\d{4,15}$', message: 'must be 4 to 15 digits, without spaces, "+" or the dial code' },
  dialCodeOrEmpty: { pattern: '^$|^\\+\\d{1,4}$', message: 'must be "+" and 1 to 4 digits, e.g. +91' },
  prefixOrEmpty: { pattern: '^$|^\\+?\\d{1,4}$', message: 'must be 1 to 4 digits, e.g. 91' },
  httpUrlOrEmpty: { pattern: '^$|^https?://[^\\s/$.?#][^\\s]*$', message: 'must be an http(s) URL' },
  objectIdOrEmpty: { pattern: '^$|^[0-9a-fA-F]{24}$', message: 'must be a 24-character hex id' },
  isoDateOrEmpty: {
    pattern: '^$|^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})?)?$',
    message: 'must be an ISO-8601 date or date-time, or ""',
  },
} as const;

const messages = new Map<string, string>(Object.values(PATTERNS).map((p) => [p.pattern, p.message]));

export function patternMessage(pattern: string): string {
  return messages.get(pattern) ?? 'has an invalid format';
}
