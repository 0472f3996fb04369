import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  isValidIban,
  isValidIsin,
  makeDni,
  makeIban,
  makeIsin,
  makePan,
  maskPan,
  spanishBban,
} from './identifiers.ts';

test('known valid identifiers check out', () => {
  assert.ok(isValidIban('ES9121000418450200051332'));
  assert.ok(isValidIban('GB82 WEST 1234 5698 7654 32'));
  assert.ok(!isValidIban('ES9121000418450200051333'));
  assert.ok(isValidIsin('US0378331005')); // Apple
  assert.ok(isValidIsin('ES0113900J37')); // Banco Santander
  assert.ok(!isValidIsin('US0378331006'));
  assert.equal(makeDni(12345678), '12345678Z');
  assert.equal(spanishBban('2100', '0418', '0200051332'), '21000418450200051332');
});

test('every generated IBAN and ISIN is valid', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^\d{10}$/), (account) =>
      isValidIban(makeIban('ES', spanishBban('2100', '0418', account))),
    ),
  );
  fc.assert(fc.property(fc.stringMatching(/^[A-Z0-9]{9}$/), (nsin) => isValidIsin(makeIsin('ES', nsin))));
});

test('card numbers pass Luhn and are masked to BIN and last 4', () => {
  const pan = makePan('454881', '123456789');
  assert.equal(pan.length, 16);
  const sum = [...pan].reverse().reduce((acc, c, i) => {
    let v = Number(c);
    if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    return acc + v;
  }, 0);
  assert.equal(sum % 10, 0);
  assert.equal(maskPan(pan), `454881******${pan.slice(-4)}`);
});
