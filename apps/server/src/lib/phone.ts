import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** Digits only: `+91` -> `91`, `+44 (0)` -> `440`. */
export function digitsOnly(value: string): string {
  return value.replace(/\D+/g, '');
}

/** The key contacts are matched on: dial code and national number, digits only, no `+`. */
export function phoneKey(prefix: string | null | undefined, number: string | null | undefined): string | null {
  if (!number) return null;
  return digitsOnly(prefix ?? '') + digitsOnly(number);
}

/** Free-form phone text as PollyBot clients send it: digits and `+ ( ) - . /` and spaces, 4 to 15 digits. */
export function isPlausiblePhone(raw: string): boolean {
  const digits = digitsOnly(raw).length;
  return /^\+?[\d\s().\-/]+$/.test(raw) && digits >= 4 && digits <= 15;
}

/**
 * Splits free-form text into dial code and national number, so both API surfaces show the same
 * phone: `+1-555-123-4567` -> {prefix "1", number "5551234567"}. Without a leading `+` the dial code
 * is unknown and the digits are the number.
 */
export function splitPhone(raw: string): { prefix: string | null; number: string } {
  const trimmed = raw.trim();
  if (trimmed.startsWith('+')) {
    const parsed = parsePhoneNumberFromString(trimmed);
    if (parsed) return { prefix: parsed.countryCallingCode, number: parsed.nationalNumber };
  }
  return { prefix: null, number: digitsOnly(trimmed) };
}

/** How a phone stored from the BotPenguin side reads as one string: `+91 9876543210`. */
export function formatPhone(prefix: string | null, number: string | null): string | null {
  if (!number) return null;
  return prefix ? `+${prefix} ${number}` : number;
}
