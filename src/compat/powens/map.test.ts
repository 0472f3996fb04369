// The Powens mappers, pinned on the sandbox's native records (api/openapi/record-examples.ts):
// one explicit test per connection state, amount sign, account type and transaction nature, and
// every answer against its Powens schema.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import {
  account,
  card,
  cardTransaction,
  investment,
  portfolio,
  transaction,
} from '../../api/openapi/record-examples.ts';
import { taxonomy } from '../../domain/categories/taxonomy.ts';
import { categoryIdOf, categoryList, numberedSlugs } from './categories.ts';
import {
  type ConnectionFacts,
  currencyOf,
  isIsin,
  powensAccountType,
  powensDateTime,
  powensNature,
  powensState,
  toPowensAccount,
  toPowensConnection,
  toPowensConnector,
  toPowensDocument,
  toPowensInvestment,
  toPowensTransaction,
  toPowensUser,
} from './map.ts';
import {
  connectorIdentityOf,
  institutionOfConnector,
  POWENS_TEST_CONNECTOR_UUID,
  uuidV5,
} from './sandbox-map.ts';
import { Account, Connection, Connector, Document, Investment, Transaction, User } from './schemas.ts';

function assertShape(schema: TSchema, value: unknown) {
  assert.deepEqual([...Value.Errors(schema, value)].slice(0, 5), []);
}

const view = (patch: Partial<ConnectionFacts> = {}): ConnectionFacts => ({
  institution_id: 'ins_sandbox_bank',
  status: 'ok',
  status_detail: 'Synchronised.',
  consent_expires_at: null,
  last_refresh_at: '2026-12-01T10:11:12.000Z',
  next_refresh_at: '2026-12-02T10:11:12.000Z',
  created_at: '2026-11-30T09:00:00.000Z',
  challenge: null,
  ...patch,
});

const otpChallenge = {
  type: 'otp',
  fields: [{ name: 'code', label: 'Code', type: 'otp', required: true, validation: '^\\d{6}$' }],
  redirect_url: null,
};

describe('connection state (SPEC §5.2)', () => {
  const cases: Array<[string, string | null, string | null]> = [
    ['pending', null, null],
    ['ok', null, null],
    ['challenge_required', 'otp', 'additionalInformationNeeded'],
    ['challenge_required', 'question', 'additionalInformationNeeded'],
    ['challenge_required', 'decoupled', 'decoupled'],
    ['challenge_required', 'redirect', 'webauthRequired'],
    ['consent_expired', null, 'SCARequired'],
    ['credentials_invalid', null, 'wrongpass'],
    ['password_expired', null, 'passwordExpired'],
    ['action_needed', null, 'actionNeeded'],
    ['locked', null, 'actionNeeded'],
    ['rate_limited', null, 'rateLimiting'],
    ['institution_down', null, 'websiteUnavailable'],
    ['disabled', null, null],
  ];
  for (const [status, challenge, state] of cases)
    test(`${status}${challenge ? ` + ${challenge}` : ''} → ${state}`, () => {
      assert.equal(powensState(status, challenge), state);
    });

  test('a working connection: state null, dates in Powens’ format, integer ids', () => {
    const connection = toPowensConnection(view(), { id: 7, idUser: 3 });
    assertShape(Connection, connection);
    assert.deepEqual(
      [connection.id, connection.id_user, connection.id_connector, connection.connector_uuid],
      [7, 3, 59, POWENS_TEST_CONNECTOR_UUID],
    );
    assert.equal(connection.state, null);
    assert.equal(connection.error_message, null);
    assert.equal(connection.last_update, '2026-12-01 10:11:12');
    assert.equal(connection.next_try, '2026-12-02 10:11:12');
    assert.equal(connection.active, true);
  });

  test('a first load still running: state null and no last_update', () => {
    const connection = toPowensConnection(view({ status: 'pending', last_refresh_at: null }), {
      id: 1,
      idUser: 1,
    });
    assert.equal(connection.state, null);
    assert.equal(connection.last_update, null);
  });

  test('additionalInformationNeeded carries the challenge fields in the Field shape', () => {
    const connection = toPowensConnection(view({ status: 'challenge_required', challenge: otpChallenge }), {
      id: 1,
      idUser: 1,
    });
    assertShape(Connection, connection);
    assert.equal(connection.state, 'additionalInformationNeeded');
    assert.equal(connection.error, 'additionalInformationNeeded');
    assert.deepEqual(
      connection.fields?.map((f) => [f.name, f.type, f.regex, f.ephemeral]),
      [['code', 'text', '^\\d{6}$', true]],
    );
  });

  test('webauthRequired carries the redirect URL; an error state its detail', () => {
    const redirect = toPowensConnection(
      view({
        status: 'challenge_required',
        challenge: { type: 'redirect', fields: [], redirect_url: 'https://bank.example/sca' },
      }),
      { id: 1, idUser: 1 },
    );
    assert.equal(redirect.redirect_url, 'https://bank.example/sca');
    assert.equal(redirect.fields, undefined);
    const wrong = toPowensConnection(
      view({ status: 'credentials_invalid', status_detail: 'Wrong password.' }),
      {
        id: 1,
        idUser: 1,
      },
    );
    assert.equal(wrong.error_message, 'Wrong password.');
  });

  test('disabled: active false, state null', () => {
    const connection = toPowensConnection(view({ status: 'disabled' }), { id: 1, idUser: null });
    assert.equal(connection.active, false);
    assert.equal(connection.state, null);
    assert.equal(connection.id_user, null);
  });
});

describe('connectors (SPEC §5.6)', () => {
  const bank = {
    id: 'ins_sandbox_bank',
    name: 'Banco Sandbox',
    country: 'ES',
    kind: 'bank',
    products: ['accounts', 'transactions'],
    primaryColor: '#0b5cab',
    fields: [
      {
        name: 'username',
        label: { en: 'Username', es: 'Usuario' },
        type: 'text' as const,
        required: true,
        validation: '^.+$',
      },
      {
        name: 'document_type',
        label: { en: 'Document type', es: 'Tipo' },
        type: 'select' as const,
        required: true,
        options: [{ value: 'nif', label: { en: 'NIF', es: 'NIF' } }],
      },
    ],
  };

  test('the sandbox institutions keep Powens’ test connector ids; others derive stable ones', () => {
    assert.deepEqual(
      ['ins_sandbox_bank', 'ins_sandbox_broker', 'ins_sandbox_otp_bank', 'ins_sandbox_flaky_bank'].map(
        (id) => connectorIdentityOf(id).id,
      ),
      [59, 60, 61, 62],
    );
    const derived = connectorIdentityOf('ins_some_real_bank');
    assert.ok(derived.id >= 1000 && derived.id <= 0x7fffffff);
    assert.deepEqual(connectorIdentityOf('ins_some_real_bank'), derived);
    const ids = ['ins_sandbox_bank', 'ins_some_real_bank'];
    assert.equal(institutionOfConnector(59, ids), 'ins_sandbox_bank');
    assert.equal(institutionOfConnector('59', ids), 'ins_sandbox_bank');
    assert.equal(institutionOfConnector(POWENS_TEST_CONNECTOR_UUID.toUpperCase(), ids), 'ins_sandbox_bank');
    assert.equal(institutionOfConnector(derived.uuid, ids), 'ins_some_real_bank');
    assert.equal(institutionOfConnector(60, ids), undefined);
  });

  test('UUIDv5 is RFC 4122’s', () => {
    // The RFC's DNS namespace example, as every UUID library computes it.
    assert.equal(
      uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com'),
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  test('a connector with its fields: select → list with values, otp → text', () => {
    const connector = toPowensConnector(bank, { withFields: true });
    assertShape(Connector, connector);
    assert.equal(connector.color, '0b5cab');
    assert.deepEqual(connector.capabilities, ['bank']);
    assert.deepEqual(
      connector.fields?.map((f) => [f.name, f.type, f.id_connector]),
      [
        ['username', 'text', 59],
        ['document_type', 'list', 59],
      ],
    );
    assert.deepEqual(connector.fields?.[1]?.values, [{ label: 'NIF', value: 'nif' }]);
    assert.equal(toPowensConnector(bank, { withFields: false }).fields, undefined);
  });
});

describe('accounts', () => {
  const ids = { id: 11, idConnection: 7, idUser: 3 };

  test('a current account is checking, savings stays savings, anything else checking', () => {
    assert.equal(powensAccountType('accounts', { type: 'current' }), 'checking');
    assert.equal(powensAccountType('accounts', { type: 'savings' }), 'savings');
    assert.equal(powensAccountType('accounts', { type: 'brokerage_cash' }), 'checking');
  });

  test('cards, loans, mortgages, portfolios and pension plans', () => {
    assert.equal(powensAccountType('cards', card), 'card');
    assert.equal(powensAccountType('liabilities', { type: 'personal_loan' }), 'loan');
    assert.equal(powensAccountType('liabilities', { type: 'mortgage' }), 'mortgage');
    assert.equal(powensAccountType('portfolios', portfolio), 'market');
    assert.equal(powensAccountType('portfolios', { type: 'pension_plan' }), 'per');
  });

  test('an account: names, IBAN as number, balance and coming, currency object', () => {
    const answer = toPowensAccount('accounts', account, { ...ids, coming: -12.5 });
    assertShape(Account, answer);
    assert.equal(answer.original_name, 'Cuenta Sandbox Nómina');
    assert.equal(answer.number, 'ES4199990001489273558680');
    assert.equal(answer.iban, 'ES4199990001489273558680');
    assert.equal(answer.balance, 22213.41);
    assert.equal(answer.coming, -12.5);
    assert.deepEqual(answer.currency, { id: 'EUR', symbol: '€', prefix: false, precision: 2 });
    assert.equal(answer.ownership, 'owner');
    assert.equal(toPowensAccount('accounts', { ...account, is_owner: false }, ids).ownership, 'co-owner');
  });

  test('a card’s balance is what is owed (negative); a loan’s balance is negative', () => {
    const answer = toPowensAccount('cards', card, { ...ids, idParent: 10 });
    assertShape(Account, answer);
    assert.equal(answer.balance, -650);
    assert.equal(answer.number, '522436******7310');
    assert.equal(answer.id_parent, 10);
    assert.equal(answer.iban, null);
    const loan = toPowensAccount(
      'liabilities',
      { name: 'Préstamo', type: 'personal_loan', balance: '5000.00' },
      ids,
    );
    assert.equal(loan.balance, -5000);
    assert.equal(loan.type, 'loan');
  });
});

describe('transactions', () => {
  const ids = { id: 21, idAccount: 11 };

  test('a debit keeps its negative value; rdate is when it happened, date when booked', () => {
    const answer = toPowensTransaction(
      { ...transaction, operation_date: '2026-11-30', value_date: '2026-12-01' },
      ids,
    );
    assertShape(Transaction, answer);
    assert.equal(answer.value, -850);
    assert.equal(answer.gross_value, -850);
    assert.equal(answer.rdate, '2026-11-30');
    assert.equal(answer.application_date, '2026-11-30');
    assert.equal(answer.date, '2026-12-01');
    assert.equal(answer.vdate, '2026-12-01');
    assert.equal(answer.original_wording, transaction.description);
    assert.equal(answer.simplified_wording, 'INMOBILIARIA SOL SL');
    assert.equal(answer.stemmed_wording, 'inmobiliaria sol sl');
    assert.equal(answer.coming, false);
    assert.equal(answer.date_scraped, '2026-11-02 08:00:00');
  });

  test('a credit stays positive; without a value date, date is the operation date', () => {
    const answer = toPowensTransaction({ ...transaction, amount: 1200, value_date: null }, ids);
    assert.equal(answer.value, 1200);
    assert.equal(answer.date, transaction.operation_date);
    assert.equal(answer.vdate, null);
  });

  test('a pending movement is coming', () => {
    assert.equal(toPowensTransaction({ ...transaction, pending: true }, ids).coming, true);
  });

  test('natures: card, transfer, order, withdrawal, bank, unknown', () => {
    const plain = { ...transaction, transfer: null, norma43: null, mcc: null, card_number: null };
    assert.equal(powensNature(cardTransaction, true), 'card');
    assert.equal(powensNature({ ...plain, mcc: '5411' }, false), 'card');
    assert.equal(powensNature(transaction, false), 'transfer');
    assert.equal(powensNature({ ...plain, norma43: '04' }, false), 'transfer');
    assert.equal(powensNature({ ...plain, norma43: '03' }, false), 'order');
    assert.equal(powensNature({ ...plain, norma43: '11' }, false), 'withdrawal');
    assert.equal(powensNature({ ...plain, norma43: '17' }, false), 'bank');
    assert.equal(powensNature(plain, false), 'unknown');
  });

  test('a card purchase: its shop as wording, the card’s number, nature card', () => {
    const answer = toPowensTransaction(cardTransaction, { ...ids, card: '522436******7310' });
    assertShape(Transaction, answer);
    assert.equal(answer.original_wording, 'CARREFOUR EXPRESS');
    assert.equal(answer.simplified_wording, 'Carrefour');
    assert.equal(answer.card, '522436******7310');
    assert.equal(answer.nature, 'card');
    assert.equal(answer.type, 'card');
    assert.equal(answer.value, -6.44);
  });

  test('categories: the subcategory’s integer, else the category’s, else null', () => {
    assert.equal(toPowensTransaction(transaction, ids).id_category, 201);
    assert.equal(toPowensTransaction(transaction, ids).tesoro_category, 'housing');
    assert.equal(categoryIdOf('housing', 'nothing'), 200);
    assert.equal(categoryIdOf('nothing', null), null);
    assert.equal(categoryIdOf(undefined, undefined), null);
  });

  test('every category of the taxonomy has an integer, and no two share one', () => {
    const expected = Object.entries(taxonomy).flatMap(([category, entry]) => [
      `${category}/`,
      ...Object.keys(entry.sub).map((sub) => `${category}/${sub}`),
    ]);
    assert.deepEqual(numberedSlugs().sort(), expected.sort());
    const ids = categoryList().map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(
      categoryList().every((c) => c.id_parent_category === null || ids.includes(c.id_parent_category)),
    );
  });
});

describe('investments, documents, users, values', () => {
  test('an investment: unit values from the amount, share of its portfolio, ISIN check', () => {
    const answer = toPowensInvestment(investment, { id: 31, idAccount: 12, portfolioValuation: 43721.28 });
    assertShape(Investment, answer);
    assert.equal(answer.label, 'Sandbox Renta Variable Europa FI');
    assert.equal(answer.quantity, 152);
    assert.equal(answer.valuation, 21860.64);
    assert.equal(answer.unitvalue, 143.82);
    assert.equal(answer.unitprice, 120.86);
    assert.equal(answer.diff, 3490.01);
    assert.equal(answer.diff_percent, 0.19);
    assert.equal(answer.portfolio_share, 0.5);
    assert.equal(answer.vdate, '2026-12-01');
    assert.equal(answer.code_type, 'ISIN');
    assert.equal(isIsin('US0378331005'), true);
    // A wrong check digit, or a pension plan's DGS code, is no ISIN.
    assert.equal(isIsin('US0378331006'), false);
    const plan = toPowensInvestment(
      { ...investment, isin: 'N5138' },
      { id: 1, idAccount: 1, portfolioValuation: 0 },
    );
    assert.equal(plan.code_type, null);
    assert.equal(plan.portfolio_share, null);
  });

  test('a document and a user', () => {
    const document = toPowensDocument(
      {
        id: 'doc_1',
        filename: 'extracto.n43',
        content_type: 'text/plain',
        size: 2048,
        created_at: '2026-11-30T09:00:00.000Z',
      },
      { id: 41, idUser: 3 },
    );
    assertShape(Document, document);
    assert.equal(document.name, 'extracto.n43');
    assert.equal(document.timestamp, '2026-11-30 09:00:00');
    assert.equal(document.readonly, true);
    assert.equal(document.tesoro_content_path, '/v1/documents/doc_1/content');
    const user = toPowensUser({ id: 3, signin: '2026-11-30T09:00:00.000Z' });
    assertShape(User, user);
    assert.deepEqual(user, { id: 3, signin: '2026-11-30 09:00:00', platform: 'sharedAccess' });
  });

  test('values: datetimes, currencies', () => {
    assert.equal(powensDateTime(null), null);
    assert.equal(powensDateTime('not a date'), null);
    assert.equal(powensDateTime(new Date('2026-01-02T03:04:05.678Z')), '2026-01-02 03:04:05');
    assert.deepEqual(currencyOf('usd'), { id: 'USD', symbol: '$', prefix: true, precision: 2 });
    assert.deepEqual(currencyOf('SEK'), { id: 'SEK', symbol: 'SEK', prefix: false, precision: 2 });
  });
});
