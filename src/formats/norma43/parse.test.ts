// Norma 43 (AEB Cuaderno 43) on the project's own fixtures (./fixtures, Windows-1252 bytes as Spanish
// banks write them): two accounts in one file with concept lines 23 and a currency equivalence 24,
// a movement whose date cannot be read, and a file cut before its closing record 33. Each is read
// through the Norma 43 parser and through parseStatementFile, which must detect the format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeStatementBytes } from '../decode.ts';
import { fixtureReader, parseEveryWay } from '../fixture-checks.ts';
import type { ParseResult, Statement } from '../statement.ts';
import { Norma43Parser, parseNorma43 } from './parse.ts';

const fixture = fixtureReader(new URL('./fixtures/', import.meta.url));

/** The file read by its parser, by format detection, and in 7-character pieces (records and CRLFs cut anywhere). */
const parseBoth = (name: string): ParseResult =>
  parseEveryWay(fixture(name), name, {
    format: 'norma43',
    parseText: parseNorma43,
    create: (sink) => new Norma43Parser(sink),
    piece: 7,
  });

const movement = (t: Statement['transactions'][number]) => ({
  date: t.bookingDate,
  valueDate: t.valueDate,
  amount: t.amount,
  description: t.description,
  line: t.line,
});

function summary(statement: Statement) {
  return {
    number: statement.account.number,
    bank: statement.account.bankCode,
    branch: statement.account.branchCode,
    name: statement.account.name,
    currency: statement.account.currency,
    period: [statement.startDate, statement.endDate],
    opening: statement.opening,
    closing: statement.closing,
    movements: statement.transactions.length,
    first: movement(statement.transactions[0]!),
    last: movement(statement.transactions.at(-1)!),
  };
}

test('two accounts in one Windows-1252 file: balances, currencies, concept lines 23 as descriptions', () => {
  const result = parseBoth('two-accounts.n43');
  assert.equal(decodeStatementBytes(fixture('two-accounts.n43')).encoding, 'windows-1252');
  assert.deepEqual(result.issues, []);
  assert.equal(result.statements.length, 2);
  assert.equal(result.statements.flatMap((s) => s.transactions).length, 7);
  assert.deepEqual(summary(result.statements[0]!), {
    number: '210008130201234567',
    bank: '2100',
    branch: '0813',
    name: 'TALLERES MUÑOZ E HIJOS SL',
    currency: 'EUR',
    period: ['2026-03-01', '2026-03-31'],
    opening: { amount: '2450.75', date: '2026-03-01' },
    closing: { amount: '3258.48', date: '2026-03-31' },
    movements: 5,
    // Two 23 records (four concept halves) joined into one description.
    first: {
      date: '2026-03-02',
      valueDate: '2026-03-02',
      amount: '-84.37',
      description: 'ELÉCTRICA DEL CANTÁBRICO SAU RECIBO LUZ FEBRERO Nº CONTRATO 21000456',
      line: 2,
    },
    // No 23 record: the common concept's name.
    last: {
      date: '2026-03-31',
      valueDate: '2026-03-31',
      amount: '-12',
      description: 'Intereses - comisiones - custodia - gastos e impuestos',
      line: 12,
    },
  });
  const movements = result.statements[0]!.transactions;
  // 0x80 in Windows-1252 is the euro sign (ISO-8859-1 has a control character there).
  assert.equal(movements[1]!.description, 'TRANSFERENCIA DE CAFÉS DEL NORTE SL PAGO FACTURA 2026/118 - 80 €');
  assert.equal(movements[1]!.amount, '1200');
  // Value date before the operation date; references 1 and 2 of the 22 record.
  assert.deepEqual(
    [movements[2]!.bookingDate, movements[2]!.valueDate, movements[2]!.reference],
    ['2026-03-12', '2026-03-11', '454881'],
  );
  assert.equal(movements[0]!.reference, '000123456789 FRA-2026-0211');
  // The common concept and the bank's own code; a 24 record adds no movement.
  assert.deepEqual(
    movements.map((t) => t.bankCode),
    ['03-015', '02-099', '12-004', '13-021', '17-000'],
  );
  assert.equal(movements[3]!.description, 'PAGO AL EXTERIOR ACME TOOLS INC. / INV 5521');
  assert.deepEqual(summary(result.statements[1]!), {
    number: '210008130209876543',
    bank: '2100',
    branch: '0813',
    name: 'TALLERES MUÑOZ E HIJOS SL',
    currency: 'USD',
    period: ['2026-03-01', '2026-03-31'],
    opening: { amount: '1000', date: '2026-03-01' },
    closing: { amount: '1349.75', date: '2026-03-31' },
    movements: 2,
    first: {
      date: '2026-03-10',
      valueDate: '2026-03-10',
      amount: '500',
      description: 'TRANSFER FROM ACME TOOLS INC. REFUND INV 5521',
      line: 15,
    },
    last: {
      date: '2026-03-15',
      valueDate: '2026-03-16',
      amount: '-150.25',
      description: 'CHEQUE Nº 7654321',
      line: 17,
    },
  });
  assert.ok(result.statements[1]!.transactions.every((t) => t.currency === 'USD'));
});

test('a movement whose operation date is not a date: an error at its line, the rest still balances', () => {
  const result = parseBoth('bad-movement.n43');
  assert.deepEqual(result.issues, [
    { severity: 'error', line: 4, message: 'record 22: the operation date is not a date' },
  ]);
  assert.equal(result.statements.length, 1);
  const [statement] = result.statements;
  // A debit opening balance (sign 1), and the closing balance of the 33 record.
  assert.deepEqual(statement!.opening, { amount: '-35.5', date: '2026-02-01' });
  assert.deepEqual(statement!.closing, { amount: '264.5', date: '2026-02-28' });
  // Its 23 record goes with it, without a second error.
  assert.deepEqual(statement!.transactions.map(movement), [
    {
      date: '2026-02-09',
      valueDate: '2026-02-09',
      amount: '300',
      description: 'INGRESO EN EFECTIVO',
      line: 2,
    },
  ]);
});

test('a file cut before its 33 record: movements kept, closing balance unknown, two warnings', () => {
  const result = parseBoth('cut-before-33.n43');
  assert.deepEqual(result.issues, [
    {
      severity: 'warning',
      line: 1,
      message: 'the last account has no closing record 33: its closing balance is unknown',
    },
    { severity: 'warning', line: 5, message: 'no end-of-file record 88' },
  ]);
  assert.equal(result.statements.length, 1);
  // Lines not padded to 80 characters (LF line ends) read as if padded.
  assert.deepEqual(summary(result.statements[0]!), {
    number: '004915000512345678',
    bank: '0049',
    branch: '1500',
    name: 'LUCÍA PEÑA ORTIZ',
    currency: 'EUR',
    period: ['2026-04-01', '2026-04-30'],
    opening: { amount: '100', date: '2026-04-01' },
    closing: null,
    movements: 2,
    first: {
      date: '2026-04-03',
      valueDate: '2026-04-03',
      amount: '-60',
      description: 'REINTEGRO CAJERO C/ ALCALÁ 120 MADRID',
      line: 2,
    },
    last: {
      date: '2026-04-28',
      valueDate: '2026-04-30',
      amount: '1875.4',
      description: 'NÓMINA ABRIL ESTUDIO DE ARQUITECTURA SÁNCHEZ',
      line: 4,
    },
  });
});
