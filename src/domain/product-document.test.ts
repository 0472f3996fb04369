import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fieldValue } from './product-document.ts';

/** The rule, written plainly: yyyy-mm-dd, ASCII digits, a day that exists, from year 0001. */
function referenceDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year === 0) return null;
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
    ? value
    : null;
}

test('a date field keeps a day that exists and nothing else', () => {
  for (const ok of ['2026-02-28', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31'])
    assert.equal(fieldValue('date', ok), ok);
  for (const bad of [
    '2025-02-29',
    '1900-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '0000-01-01',
    '2026-1-01',
    '2026/01/01',
    ' 2026-01-01',
    '2026-01-01\n',
    '２０２６-01-01',
    '2026-01-01T00:00:00Z',
    '',
    20260101,
    null,
  ])
    assert.equal(fieldValue('date', bad), null, JSON.stringify(bad));
});

test('a date field agrees with the plain rule on any text near the shape of a date', () => {
  const dateLike = fc
    .array(fc.constantFrom('0', '1', '2', '3', '9', '-', '/', ' ', 'a', '٣'), { minLength: 8, maxLength: 12 })
    .map((chars) => chars.join(''));
  const shaped = fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
    )
    .map(
      ([y, m, d]) =>
        `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
    );
  fc.assert(
    fc.property(fc.oneof(dateLike, shaped, fc.string()), (text) => {
      assert.equal(fieldValue('date', text), referenceDate(text));
    }),
    { numRuns: 20_000 },
  );
});
