// Money is carried as integer cents inside the code and as decimal strings at the edges; never
// as a float in arithmetic (DESIGN.md).

/** 12345 → "123.45", -5 → "-0.05". */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** "123.45" → 12345; accepts an optional sign and up to two decimals. */
export function decimalToCents(text: string): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) throw new Error(`Not a decimal amount: ${text}`);
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -cents : cents;
}

/** Spanish bank formatting of raw records: -1234.5 → "-1.234,50". */
export function centsToSpanish(cents: number): string {
  const [whole, fraction] = centsToDecimal(cents).replace('-', '').split('.') as [string, string];
  return `${cents < 0 ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, '.')},${fraction}`;
}
