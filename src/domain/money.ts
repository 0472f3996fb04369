// Money is carried as integer cents inside the code and as decimal strings at the edges; never
// as a float in arithmetic (DESIGN.md).

/** 12345 → "123.45", -5 → "-0.05". */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Spanish bank formatting of raw records: -1234.5 → "-1.234,50". */
export function centsToSpanish(cents: number): string {
  const [whole, fraction] = centsToDecimal(cents).replace('-', '').split('.') as [string, string];
  return `${cents < 0 ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, '.')},${fraction}`;
}
