import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { centsToDecimal, centsToSpanish } from './money.ts';

test('cents become exact decimal strings, signs and small amounts included', () => {
  assert.equal(centsToDecimal(12345), '123.45');
  assert.equal(centsToDecimal(-5), '-0.05');
  assert.equal(centsToDecimal(0), '0.00');
  fc.assert(
    fc.property(
      fc.integer({ min: -1e12, max: 1e12 }),
      (cents) => Math.round(Number(centsToDecimal(cents)) * 100) === cents,
    ),
  );
});

test('Spanish bank formatting groups thousands with dots and uses a decimal comma', () => {
  assert.equal(centsToSpanish(-123450), '-1.234,50');
  assert.equal(centsToSpanish(100000000), '1.000.000,00');
  assert.equal(centsToSpanish(7), '0,07');
});
