/**
 * NHS numbers: ten digits, the last a modulus-11 check digit of the first nine (NHS Data Dictionary).
 * The check is not in the UK Core profile, so the app makes it.
 */

/** The check digit of nine NHS-number digits, or undefined when no valid number starts with them. */
export function nhsCheckDigit(nineDigits: string): number | undefined {
  if (!/^\d{9}$/.test(nineDigits)) return undefined;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (nineDigits.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return undefined;
  return check === 11 ? 0 : check;
}

/** Whether text is a valid NHS number; spaces and hyphens between digits (as printed, 943 476 5919) are allowed. */
export function isValidNhsNumber(value: string): boolean {
  const digits = value.replace(/[\s-]/g, '');
  return /^\d{10}$/.test(digits) && nhsCheckDigit(digits.slice(0, 9)) === digits.charCodeAt(9) - 48;
}
