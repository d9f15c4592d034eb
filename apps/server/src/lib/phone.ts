/** Digits only: `+91` -> `91`, `+44 (0)` -> `440`. */
export function digitsOnly(value: string): string {
  return value.replace(/\D+/g, '');
}

/** The key contacts are matched on: dial code and national number, digits only, no `+`. */
export function phoneKey(prefix: string | null | undefined, number: string | null | undefined): string | null {
  if (!number) return null;
  return digitsOnly(prefix ?? '') + digitsOnly(number);
}
