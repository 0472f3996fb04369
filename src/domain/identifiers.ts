// Check digits of the identifiers financial data carries: IBAN (ISO 13616, mod 97), ISIN (ISO 6166,
// Luhn over the digit-expanded code), Spanish DNI letters; and card number masking.

/** Letters become two digits (A=10 … Z=35), as IBAN and ISIN both require. */
function expandLetters(text: string): string {
  return [...text].map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c)).join('');
}

function mod97(digits: string): number {
  let remainder = 0;
  for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  return remainder;
}

/** Builds a valid IBAN from a country code and BBAN. */
export function makeIban(country: string, bban: string): string {
  const check = 98 - mod97(expandLetters(`${bban}${country}00`));
  return `${country}${String(check).padStart(2, '0')}${bban}`;
}

export function isValidIban(iban: string): boolean {
  const compact = iban.replaceAll(' ', '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(compact)) return false;
  return mod97(expandLetters(compact.slice(4) + compact.slice(0, 4))) === 1;
}

/** Spanish CCC check digits for bank (4), branch (4) and account number (10). */
export function spanishBban(bank: string, branch: string, account: string): string {
  const weights = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6];
  const digit = (text: string) => {
    const sum = [...text.padStart(10, '0')].reduce((acc, c, i) => acc + Number(c) * weights[i]!, 0);
    const value = 11 - (sum % 11);
    return value === 11 ? 0 : value === 10 ? 1 : value;
  };
  return `${bank}${branch}${digit(`00${bank}${branch}`)}${digit(account)}${account}`;
}

function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let value = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
  }
  return (10 - (sum % 10)) % 10;
}

/** Appends the ISIN check digit to a 2-letter country code and 9-character NSIN. */
export function makeIsin(country: string, nsin: string): string {
  const body = `${country}${nsin}`;
  return `${body}${luhnCheckDigit(expandLetters(body))}`;
}

export function isValidIsin(isin: string): boolean {
  return /^[A-Z]{2}[A-Z0-9]{9}\d$/.test(isin) && makeIsin(isin.slice(0, 2), isin.slice(2, 11)) === isin;
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

export function makeDni(number: number): string {
  return `${String(number).padStart(8, '0')}${DNI_LETTERS[number % 23]}`;
}

/** Whether a string of digits passes the Luhn check (card numbers do). */
export function isLuhnValid(digits: string): boolean {
  return luhnCheckDigit(digits.slice(0, -1)) === Number(digits.at(-1));
}

/**
 * Card numbers inside free text (a statement's description: "PAGO TARJETA 4548814387167310"),
 * masked to BIN and last 4: 13 to 19 digits in a row, or grouped as cards are printed (4-4-4-4,
 * 4-6-5 for Amex), that start like a card network's number (2 to 6) and pass the Luhn check.
 * Other long numbers (an IBAN's digits, a reference) mostly fail one of the two and stay as they are.
 */
export function maskCardNumbers(text: string): string {
  if (!/\d{4}/.test(text)) return text;
  return text.replace(/(?<!\d)(?:\d{13,19}|\d{4}(?:[ -]\d{4}){3}|\d{4}[ -]\d{6}[ -]\d{5})(?!\d)/g, (run) => {
    const digits = run.replace(/[ -]/g, '');
    return /^[2-6]/.test(digits) && isLuhnValid(digits) ? maskPan(digits) : run;
  });
}

/** A card number shown as its BIN (first 6) and last 4 only, as DESIGN.md allows. */
export function maskPan(pan: string): string {
  return `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}`;
}

/** A full card number with a valid Luhn digit, for a BIN and a body (never stored or served). */
export function makePan(bin: string, body: string): string {
  const partial = `${bin}${body}`.slice(0, 15);
  return `${partial}${luhnCheckDigit(partial)}`;
}
