// The Datanomik mappers, pinned on the sandbox's native records (api/openapi/record-examples.ts):
// one explicit case per sign, enum and date rule a Datanomik client depends on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import {
  account,
  CONNECTION,
  identity,
  investment,
  portfolio,
  stamps,
  transaction,
} from '../../api/openapi/record-examples.ts';
import { decodeGuid, guidOf } from '../shared/guid.ts';
import type { NativeRecord } from '../shared/records.ts';
import {
  accountCategoryOf,
  amountBounds,
  distinctOwners,
  documentTypeOf,
  instrumentTypeOf,
  intervalOfRefreshRate,
  type LinkFacts,
  linkStatusOf,
  nameUuid,
  nativeStatusesOf,
  pageOf,
  refreshRateOf,
  slicePage,
  syncStatusOf,
  toDatanomikAccount,
  toDatanomikBalance,
  toDatanomikInvestment,
  toDatanomikLink,
  toDatanomikOwner,
  toDatanomikTransaction,
  toDatanomikUser,
  toDatanomikWebhook,
  toGeneralOwners,
} from './map.ts';
import { codeOfName, institutionCode, institutionUuid, nativeInstitutionOf } from './sandbox-map.ts';
import { Account, Balance, Investment, Link, Owner, Transaction, User } from './schemas.ts';

/** The account's holders as GET /v1/holders serves them: the titular twice (two products), a co-holder. */
const holder = (
  id: string,
  productId: string,
  name: string,
  document: string,
  rel: string,
): NativeRecord => ({
  id,
  connection_id: CONNECTION,
  external_id: 'end-user-42',
  product_id: productId,
  product_type: 'accounts',
  product_name: 'Cuenta Sandbox Nómina',
  name,
  rel,
  identity_document: document,
  ...stamps,
});
const holders = [
  holder('hld_dg6n3nahcjj62gqxypve', String(account.id), 'CARMEN DÍAZ FERNÁNDEZ', '77739362Y', 'titular'),
  holder(
    'hld_bl37lbtetd3ochcqvdwd',
    'acc_xn6j67kiyuaa7srohqh2',
    'CARMEN DÍAZ FERNÁNDEZ',
    '77739362Y',
    'titular',
  ),
  holder(
    'hld_cc37lbtetd3ochcqvdwd',
    'acc_xn6j67kiyuaa7srohqh2',
    'PABLO SÁNCHEZ DÍAZ',
    '74897544E',
    'cotitular',
  ),
];

const facts: LinkFacts = {
  connection: {
    id: CONNECTION,
    access_mode: 'recurrent',
    refresh_interval: '24h',
    status: 'ok',
    external_id: 'end-user-42',
    last_refresh_at: '2026-12-01T14:19:59.000Z',
    created_at: '2026-11-02T08:00:00.000Z',
    updated_at: '2026-12-01T14:19:59.000Z',
    refresh: null,
    product_status: {
      accounts: { created: true, errored: false },
      transactions: { created: true, errored: false },
      cards: { created: true, errored: true },
    },
  },
  institution: {
    id: 'ins_sandbox_bank',
    code: 'BANCO_SANDBOX',
    name: 'Banco Sandbox',
    country: 'ES',
    logo: null,
    live: false,
  },
  memo: { username: 'user_good', description: 'Test Link', source: 'API' },
};
const link = toDatanomikLink(facts);

function valid(schema: TSchema, value: unknown) {
  assert.deepEqual([...Value.Errors(schema, value)].slice(0, 3), []);
}

describe('links', () => {
  test('the link: UUID id that decodes back, both date spellings, minutes as text', () => {
    valid(Link, link);
    assert.equal(decodeGuid(link.id)?.id, CONNECTION);
    assert.equal(link.status, 'ACTIVE');
    assert.equal(link.accessed_at, '2026-12-01T14:19:59.000Z');
    assert.equal(link.acceded_at, link.accessed_at);
    assert.equal(link.refresh_rate, '1440');
    assert.equal(link.recurrent, true);
    assert.equal(link.institution, 'BANCO_SANDBOX');
    assert.equal(link.description, 'Test Link');
    assert.equal(link.source, 'API');
    assert.equal(link.institution_id, institutionUuid('ins_sandbox_bank'));
  });

  test('a one-shot link made on the Connect page: no refresh rate, WIDGET, described by its external id', () => {
    const oneShot = toDatanomikLink({
      ...facts,
      connection: {
        ...facts.connection,
        access_mode: 'single',
        refresh_interval: null,
        last_refresh_at: null,
      },
      memo: null,
    });
    assert.equal(oneShot.refresh_rate, null);
    assert.equal(oneShot.recurrent, false);
    assert.equal(oneShot.source, 'WIDGET');
    assert.equal(oneShot.description, 'end-user-42');
    assert.equal(oneShot.accessed_at, null);
    assert.equal(oneShot.acceded_at, null);
  });

  test('every native status has its Datanomik status; a working link being refreshed is PROCESSING', () => {
    const table: Array<[string, boolean, string]> = [
      ['pending', false, 'PROCESSING'],
      ['ok', false, 'ACTIVE'],
      ['ok', true, 'PROCESSING'],
      ['challenge_required', true, 'MFA_REQUIRED'],
      ['credentials_invalid', false, 'INVALID_CREDENTIALS'],
      ['password_expired', false, 'INVALID_CREDENTIALS'],
      ['locked', false, 'USER_ACTION_REQUIRED'],
      ['action_needed', false, 'USER_ACTION_REQUIRED'],
      ['institution_down', true, 'INSTITUTION_ERROR'],
      ['rate_limited', false, 'INSTITUTION_ERROR'],
      ['consent_expired', false, 'EXPIRED'],
      ['disabled', false, 'DISABLED'],
    ];
    for (const [status, inFlight, expected] of table)
      assert.equal(linkStatusOf(status, inFlight), expected, status);
    assert.deepEqual(nativeStatusesOf('INVALID_CREDENTIALS').sort(), [
      'credentials_invalid',
      'password_expired',
    ]);
    // A refresh waiting for the end user is not "processing": the status says what waits.
    const waiting = toDatanomikLink({
      ...facts,
      connection: { ...facts.connection, status: 'challenge_required', refresh: { status: 'waiting_user' } },
    });
    assert.equal(waiting.status, 'MFA_REQUIRED');
    const running = toDatanomikLink({
      ...facts,
      connection: { ...facts.connection, refresh: { status: 'running' } },
    });
    assert.equal(running.status, 'PROCESSING');
  });

  test('refresh_rate: minutes ↔ the nearest native interval', () => {
    assert.equal(refreshRateOf('6h'), '360');
    assert.equal(refreshRateOf('7d'), '10080');
    assert.equal(refreshRateOf(null), null);
    assert.equal(intervalOfRefreshRate('180'), '6h');
    assert.equal(intervalOfRefreshRate('1440'), '24h');
    assert.equal(intervalOfRefreshRate(1000), '12h');
    assert.equal(intervalOfRefreshRate('100000'), '30d');
    for (const bad of ['daily', '0', '-60', '', '1e3x'])
      assert.equal(intervalOfRefreshRate(bad), undefined, bad);
  });
});

describe('institutions', () => {
  test('the sandbox codes, and any other name in Datanomik’s style', () => {
    assert.equal(institutionCode({ id: 'ins_sandbox_bank', name: 'Banco Sandbox' }), 'BANCO_SANDBOX');
    assert.equal(institutionCode({ id: 'ins_sandbox_broker', name: 'x' }), 'SANDBOX_VALORES');
    assert.equal(institutionCode({ id: 'ins_sandbox_otp_bank', name: 'x' }), 'BANCO_SANDBOX_FIRMA');
    assert.equal(institutionCode({ id: 'ins_sandbox_flaky_bank', name: 'x' }), 'CAJA_SANDBOX_INESTABLE');
    assert.equal(codeOfName('Caja Rural de Navarra (Ñ)'), 'CAJA_RURAL_DE_NAVARRA_N');
    const list = [
      { id: 'ins_sandbox_bank', name: 'Banco Sandbox' },
      { id: 'ins_other', name: 'Crédit Agricole' },
    ];
    assert.equal(nativeInstitutionOf('banco_sandbox', list), 'ins_sandbox_bank');
    assert.equal(nativeInstitutionOf('CREDIT_AGRICOLE', list), 'ins_other');
    assert.equal(nativeInstitutionOf(institutionUuid('ins_other').toUpperCase(), list), 'ins_other');
    assert.equal(nativeInstitutionOf('ins_other', list), 'ins_other');
    assert.equal(nativeInstitutionOf('ITAU', list), undefined);
    assert.equal(nativeInstitutionOf('  ', list), undefined);
  });

  test('name-based UUIDs are valid RFC 9562 version 8, stable and distinct', () => {
    const id = nameUuid('institution', 'ins_sandbox_bank');
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(nameUuid('institution', 'ins_sandbox_bank'), id);
    assert.notEqual(nameUuid('general-owner', 'ins_sandbox_bank'), id);
  });
});

describe('accounts', () => {
  test('the account: native names renamed, category from the type, sync statuses', () => {
    const owner = toDatanomikOwner(holders[0]!, identity);
    const mapped = toDatanomikAccount(account, link, facts.connection.product_status, owner);
    valid(Account, mapped);
    assert.equal(decodeGuid(mapped.id)?.id, account.id);
    assert.equal(mapped.description, 'Cuenta Sandbox Nómina');
    assert.equal(mapped.account_number, 'ES4199990001489273558680');
    assert.equal(mapped.category, 'CHECKING');
    assert.equal(mapped.type, 'current');
    assert.deepEqual(mapped.balance, {
      current_balance: 22213.41,
      available_balance: 22213.41,
      currency: 'EUR',
    });
    assert.equal(mapped.refreshed_at, link.accessed_at);
    assert.equal(mapped.created_at, account.first_seen_at);
    assert.equal(mapped.link_id, link.id);
    assert.equal(mapped.account_sync_status, 'PROCESSED');
    // The bank link offers no investments: nothing left to load.
    assert.equal(mapped.investment_sync_status, 'PROCESSED');
    assert.equal(mapped.owner?.document, '77739362Y');
  });

  test('category and sync status tables', () => {
    assert.equal(accountCategoryOf('current'), 'CHECKING');
    assert.equal(accountCategoryOf('savings'), 'SAVING');
    assert.equal(accountCategoryOf('credit_card'), 'CREDIT_CARD');
    assert.equal(accountCategoryOf('loan'), 'LOAN');
    assert.equal(accountCategoryOf('brokerage_cash'), 'INVESTMENT');
    assert.equal(accountCategoryOf(null), 'OTHER');
    const status = {
      a: { created: false, errored: false },
      b: { created: true, errored: true },
      c: { created: true, errored: false },
    };
    assert.equal(syncStatusOf(status, 'a'), 'PROCESSING');
    assert.equal(syncStatusOf(status, 'b'), 'ERROR');
    assert.equal(syncStatusOf(status, 'c'), 'PROCESSED');
    assert.equal(syncStatusOf(status, 'investments'), 'PROCESSED');
  });
});

describe('transactions', () => {
  const context = { link, account: { id: guidOf(String(account.id)), account_number: 'ES41', owner: null } };

  test('money out: positive amount, OUTFLOW, and the native fields where Datanomik has them', () => {
    const mapped = toDatanomikTransaction(transaction, context);
    valid(Transaction, mapped);
    assert.equal(mapped.amount, 850);
    assert.equal(mapped.type, 'OUTFLOW');
    assert.equal(mapped.date, '2026-12-01');
    assert.equal(mapped.reference, 'F-rent-2026-12');
    assert.equal(mapped.status, 'APPROVED');
    assert.equal(mapped.mode, 'AUTOMATIC');
    assert.equal(mapped.account.id, guidOf(String(account.id)));
    assert.deepEqual(mapped.additional_data, {
      value_date: '2026-12-01',
      balance: 22213.41,
      counterparty: 'INMOBILIARIA SOL SL',
      mcc: null,
    });
    assert.deepEqual(
      mapped.categories.map((c) => [c.id, c.name, c.type, c.ordering]),
      [
        ['rent', 'Rent', 'OUTFLOW', 0],
        ['housing', 'Housing', 'OUTFLOW', 1],
      ],
    );
  });

  test('money in: INFLOW with the amount as it is; zero counts as in', () => {
    const salary = toDatanomikTransaction(
      { ...transaction, amount: 2450.5, category: 'income', subcategory: 'salary' },
      context,
    );
    assert.equal(salary.amount, 2450.5);
    assert.equal(salary.type, 'INFLOW');
    assert.equal(salary.categories[0]!.type, 'INFLOW');
    const zero = toDatanomikTransaction({ ...transaction, amount: 0 }, context);
    assert.equal(zero.type, 'INFLOW');
    assert.equal(zero.amount, 0);
  });

  test('a pending transaction is PENDING; a manual one MANUAL; an uncategorised one has no categories', () => {
    assert.equal(toDatanomikTransaction({ ...transaction, pending: true }, context).status, 'PENDING');
    assert.equal(toDatanomikTransaction({ ...transaction, manual: true }, context).mode, 'MANUAL');
    assert.deepEqual(toDatanomikTransaction({ ...transaction, category: null }, context).categories, []);
  });

  test('positive amount bounds → native signed bounds', () => {
    assert.deepEqual(amountBounds({ type: 'INFLOW', gte: 10, lte: 50 }), {
      amount_min: 10,
      amount_max: 50,
      sign: 'INFLOW',
    });
    assert.deepEqual(amountBounds({ type: 'INFLOW' }), { amount_min: 0, sign: 'INFLOW' });
    assert.deepEqual(amountBounds({ type: 'OUTFLOW', gte: 10, lte: 50 }), {
      amount_min: -50,
      amount_max: -10,
      sign: 'OUTFLOW',
    });
    assert.deepEqual(amountBounds({ type: 'OUTFLOW' }), { sign: 'OUTFLOW' });
    assert.deepEqual(amountBounds({ lte: 50 }), { amount_min: -50, amount_max: 50 });
    assert.deepEqual(amountBounds({ gte: 10 }), { absoluteFrom: 10 });
    assert.deepEqual(amountBounds({}), {});
  });
});

describe('owners, users, investments, balances', () => {
  test('owner: names of the identity of the same document; a co-holder has the bank’s name only', () => {
    const own = toDatanomikOwner(holders[0]!, identity);
    valid(Owner, own);
    assert.deepEqual(
      [own.first_name, own.last_name, own.second_last_name, own.display_name, own.email, own.document_type],
      ['Carmen', 'Díaz', 'Fernández', 'Carmen Díaz Fernández', 'user.good@example.com', 'DNI'],
    );
    const co = toDatanomikOwner(holders[2]!, identity);
    assert.deepEqual([co.first_name, co.display_name, co.email], [null, 'PABLO SÁNCHEZ DÍAZ', null]);
    assert.equal(documentTypeOf('X1234567L'), 'NIE');
    assert.equal(documentTypeOf('passport-1'), null);
    assert.equal(documentTypeOf(null), null);
  });

  test('owners are one per document and link; general owners group them across links by document', () => {
    const distinct = distinctOwners(holders);
    assert.deepEqual(
      distinct.map((h) => h.identity_document),
      ['77739362Y', '74897544E'],
    );
    const elsewhere = {
      ...holders[0]!,
      id: 'hld_aaaaaaaaaaaaaaaaaaaa',
      connection_id: 'con_aaaaaaaaaaaaaaaa',
      first_seen_at: '2026-10-01T00:00:00.000Z',
    };
    const owners = [...distinct, elsewhere].map((h) => ({
      ...toDatanomikOwner(h, identity),
      created_at: String(h.first_seen_at),
    }));
    const groups = toGeneralOwners('cli_x', owners);
    const carmen = groups.find((g) => g.document === '77739362Y')!;
    assert.equal(carmen.owners.length, 2);
    assert.equal(carmen.created_at, '2026-10-01T00:00:00.000Z');
    assert.equal(carmen.display_name, 'Carmen Díaz Fernández');
    assert.notEqual(toGeneralOwners('cli_y', owners)[0]!.id, groups[0]!.id, 'ids are per client');
  });

  test('user: the identity and the username kept, an address as one line', () => {
    const user = toDatanomikUser(identity, 'user_good');
    valid(User, user);
    assert.equal(user.username, 'user_good');
    assert.equal(user.metadata.address, 'Paseo de Gracia 126, 41004 Sevilla, Sevilla, ES');
    assert.equal(user.metadata.phone_number, '+34 615 868 654');
    assert.equal(toDatanomikUser(identity, null).username, null);
  });

  test('investment: instrument types, balances as numbers, the portfolio as its account', () => {
    const mapped = toDatanomikInvestment(investment, portfolio, link);
    valid(Investment, mapped);
    assert.equal(mapped.instrument_type, 'FUND');
    assert.equal(mapped.gross_balance, 21860.64);
    assert.equal(mapped.net_balance, 21860.64);
    assert.equal(mapped.account.account_number, 'ES8999980001305017600825');
    const table: Array<[string, string]> = [
      ['F', 'FUND'],
      ['ETF', 'FUND'],
      ['PP', 'FUND'],
      ['VI', 'STOCKS'],
      ['FI', 'BOND'],
      ['DEP', 'DEPOSIT'],
      ['BP', 'DEPOSIT'],
      ['CFD', 'COMMITED'],
    ];
    for (const [type, expected] of table) assert.equal(instrumentTypeOf(type), expected, type);
  });

  test('balance: a snapshot’s decimal strings as numbers, the available one defaulting to the current', () => {
    const balanceAccount = {
      id: guidOf(String(account.id)),
      description: 'Cuenta Sandbox Nómina',
      account_number: 'ES41',
      type: 'current',
      category: 'CHECKING' as const,
      blocked: false,
    };
    const row = {
      connection_id: CONNECTION,
      date: '2026-12-01',
      balance: '22213.41',
      available_balance: '22000.00',
      currency: 'EUR',
    };
    const entry = toDatanomikBalance(row, balanceAccount);
    valid(Balance, entry);
    assert.deepEqual(entry, {
      date: '2026-12-01',
      current_balance: 22213.41,
      available_balance: 22000,
      currency: 'EUR',
      link_id: guidOf(CONNECTION),
      account: balanceAccount,
    });
    assert.equal(
      toDatanomikBalance({ ...row, available_balance: null }, balanceAccount).available_balance,
      22213.41,
    );
  });
});

describe('pages and webhooks', () => {
  test('the page envelope is 0-based', () => {
    assert.deepEqual(pageOf(['a'], { page: 0, size: 50 }, 1), {
      content: ['a'],
      first: true,
      last: true,
      page_number: 0,
      page_size: 50,
      total_elements: 1,
      total_pages: 1,
    });
    const second = slicePage(['a', 'b', 'c', 'd', 'e'], { page: 1, size: 2 });
    assert.deepEqual(
      [second.content, second.first, second.last, second.total_pages],
      [['c', 'd'], false, false, 3],
    );
    const past = slicePage(['a'], { page: 3, size: 2 });
    assert.deepEqual([past.content, past.last], [[], true]);
    assert.equal(slicePage([], { page: 0, size: 10 }).total_pages, 0);
  });

  test('the three webhook bodies', () => {
    const at = new Date('2026-12-01T14:19:59.000Z');
    const historical = toDatanomikWebhook(
      {
        type: 'connection.historical_update',
        created_at: at,
        data: {
          connection_id: CONNECTION,
          external_id: 'end-user-42',
          products: {
            accounts: { count: 3, errored: false },
            transactions: { count: 420, errored: false },
            holders: { count: 4, errored: false },
            identity: { count: 1, errored: false },
            cards: { count: 0, errored: true, error: 'PRODUCT_UNAVAILABLE' },
          },
        },
      },
      'BANCO_SANDBOX',
    );
    assert.deepEqual(historical, {
      event: 'HISTORICAL_UPDATE',
      link_id: guidOf(CONNECTION),
      external_id: 'end-user-42',
      institution: 'BANCO_SANDBOX',
      occurred_at: '2026-12-01T14:19:59.000Z',
      data: {
        accounts: 3,
        transactions: 420,
        owners: 4,
        users: 1,
        investments: 0,
        errors: { cards: 'PRODUCT_UNAVAILABLE' },
      },
    });
    const updated = toDatanomikWebhook(
      {
        type: 'connection.updated',
        created_at: at,
        data: { connection_id: CONNECTION, external_id: null, added: 6, modified: 1, removed: 0 },
      },
      'BANCO_SANDBOX',
    );
    assert.deepEqual(updated, {
      event: 'NEW_INFORMATION_AVAILABLE',
      link_id: guidOf(CONNECTION),
      external_id: null,
      institution: 'BANCO_SANDBOX',
      occurred_at: '2026-12-01T14:19:59.000Z',
      data: { added: 6, modified: 1, removed: 0 },
    });
    const changed = toDatanomikWebhook(
      {
        type: 'connection.status_changed',
        created_at: at,
        data: { connection_id: CONNECTION, status: 'credentials_invalid', previous_status: 'ok' },
      },
      null,
    );
    assert.deepEqual(
      [
        changed?.event,
        (changed as { status: string }).status,
        (changed as { previous_status: string }).previous_status,
      ],
      ['LINK_STATUS_CHANGED', 'INVALID_CREDENTIALS', 'ACTIVE'],
    );
    // A change Datanomik's words do not tell apart says nothing.
    assert.equal(
      toDatanomikWebhook(
        {
          type: 'connection.status_changed',
          created_at: at,
          data: { connection_id: CONNECTION, status: 'locked', previous_status: 'action_needed' },
        },
        null,
      ),
      null,
    );
    assert.equal(
      toDatanomikWebhook(
        { type: 'connection.deleted', created_at: at, data: { connection_id: CONNECTION } },
        null,
      ),
      null,
    );
  });
});
