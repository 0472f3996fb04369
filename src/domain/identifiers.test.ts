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
  maskCardNumbers,
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

test('card numbers in free text are masked to BIN and last 4; other numbers are left alone', () => {
  assert.equal(
    maskCardNumbers('PAGO TARJETA 4548814387167310 MADRID'),
    'PAGO TARJETA 454881******7310 MADRID',
  );
  assert.equal(maskCardNumbers('COMPRA 4548 8143 8716 7310'), 'COMPRA 454881******7310');
  assert.equal(maskCardNumbers('amex 378282246310005.'), 'amex 378282*****0005.');
  // Fails the Luhn check, starts like no card, or is part of a longer number: unchanged.
  assert.equal(maskCardNumbers('REF 4548814387167311'), 'REF 4548814387167311');
  assert.equal(maskCardNumbers('REF 1548814387167310'), 'REF 1548814387167310');
  assert.equal(maskCardNumbers('IBAN ES9121000418450200051332'), 'IBAN ES9121000418450200051332');
  assert.equal(maskCardNumbers('NOMINA FEBRERO'), 'NOMINA FEBRERO');
  // Whatever surrounds it, a card number never survives, and masking twice changes nothing more.
  fc.assert(
    fc.property(
      fc.stringMatching(/^[4-5]\d{5}$/),
      fc.stringMatching(/^\d{9}$/),
      fc.string(),
      fc.string(),
      (bin, body, before, after) => {
        const pan = makePan(bin, body);
        const masked = maskCardNumbers(`${before} ${pan} ${after}`);
        return !masked.includes(pan) && maskCardNumbers(masked) === masked;
      },
    ),
  );
});
