// The Flinks vocabulary pinned: the GUID codec (its documented layout, round trips over random
// ids of every kind, every rejection), the lenient body reader (Flinks' own missing-comma body),
// the institutions, and every mapper field by field on native records as GET /v1/<product>
// serves them (the sandbox's values): one test per sign, date form, enum flip, missing value and
// money-as-text, and every output checked against its Flinks schema, alone and in a whole answer.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import {
  account,
  CONNECTION,
  card,
  cardTransaction,
  identity,
  investment,
  investmentTransaction,
  transaction as nativeTransaction,
  portfolio,
} from '../../api/openapi/record-examples.ts';
import { newId } from '../../domain/ids.ts';
import { type Product, productIdPrefix } from '../../domain/product-catalog.ts';
import { recordId } from '../../store/record-rows.ts';
import { maskPan } from '../flanks/map.ts';
import { decodeGuid, type GuidKind, guidOf, guidOfHandle } from '../shared/guid.ts';
import { field, parseFlinksJson } from './body.ts';
import {
  authorizeLinks,
  bankingLinks,
  flinksDateTime,
  investmentLinks,
  isScheduledRefresh,
  type NativeRecord,
  toFlinksAccount,
  toFlinksCardAccount,
  toFlinksChallenge,
  toFlinksHolder,
  toFlinksInvestmentAccount,
  toFlinksInvestmentTransaction,
  toFlinksLogin,
  toFlinksPosition,
  toFlinksTransaction,
} from './map.ts';
import { flinksInstitutionOf, investmentInstitution, nativeInstitutionOf } from './sandbox-map.ts';
import {
  AccountsDetailResponse,
  AccountsSummaryResponse,
  AuthorizeResponse,
  ChallengeResponse,
  FlinksAccount,
  FlinksAccountSummary,
  FlinksError,
  FlinksHolder,
  FlinksInvestmentAccount,
  FlinksInvestmentTransaction,
  FlinksLink,
  FlinksLogin,
  FlinksPosition,
  FlinksTransaction,
  InstitutionsResponse,
  InvestmentsResponse,
  MessageResponse,
  PendingResponse,
  SecurityChallenge,
  TokenResponse,
} from './schemas.ts';

/** Asserts that a value matches a schema, naming every mismatch. */
function assertValid(schema: TSchema, value: unknown) {
  const errors = Value.Errors(schema, value).map((e) => `${e.instancePath || '/'} ${e.message}`);
  assert.deepEqual(errors, [], JSON.stringify(value));
  assert.equal(Value.Check(schema, value), true);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// ---- the documented layout, written again independently of guid.ts: the tags and the layout
// are in every GUID already handed out, so a change here is a break.

const tags: Record<GuidKind, number> = {
  connection: 1,
  account: 2,
  transaction: 3,
  card: 4,
  card_transaction: 5,
  portfolio: 6,
  investment: 7,
  investment_transaction: 8,
  liability: 9,
  liability_transaction: 10,
  identity: 11,
  holder: 12,
  handle: 13,
};

/** A GUID of the layout with any tag, body and check (the check computed unless given). */
function layoutGuid(tag: number, body: bigint, bodyBits: number, check?: bigint): string {
  const checkBits = 116 - bodyBits;
  const digest = createHash('sha256')
    .update(`${tag}:${body.toString(16)}`)
    .digest();
  const sum = check ?? digest.readBigUInt64BE(0) & ((1n << BigInt(checkBits)) - 1n);
  const payload = (BigInt(tag) << 116n) | (body << BigInt(checkBits)) | sum;
  const hex = (
    ((payload >> 74n) << 80n) |
    (8n << 76n) |
    (((payload >> 62n) & 0xfffn) << 64n) |
    (2n << 62n) |
    (payload & ((1n << 62n) - 1n))
  )
    .toString(16)
    .padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const base36 = (text: string) => [...text].reduce((n, c) => n * 36n + BigInt(parseInt(c, 36)), 0n);
const base32 = (text: string) =>
  [...text].reduce((n, c) => n * 32n + BigInt('abcdefghijklmnopqrstuvwxyz234567'.indexOf(c)), 0n);

const recordKinds: ReadonlyArray<[GuidKind, Product]> = [
  ['account', 'accounts'],
  ['transaction', 'transactions'],
  ['card', 'cards'],
  ['card_transaction', 'card_transactions'],
  ['portfolio', 'portfolios'],
  ['investment', 'investments'],
  ['investment_transaction', 'investment_transactions'],
  ['liability', 'liabilities'],
  ['liability_transaction', 'liability_transactions'],
  ['identity', 'identity'],
  ['holder', 'holders'],
];

describe('GUIDs of native ids', () => {
  test('a connection id is the documented UUIDv8: tag 1, its base-36 body, a SHA-256 check', () => {
    const guid = guidOf('con_z7r2vqdd65ltxi2t');
    assert.match(guid, GUID);
    assert.equal(guid, layoutGuid(tags.connection, base36('z7r2vqdd65ltxi2t'), 83));
    assert.equal(guid[14], '8', 'version nibble 8');
    assert.ok('89ab'.includes(guid[19]!), 'variant 10');
  });

  test("a record id is its kind's tag + its 20 base-32 characters as 100 bits + check", () => {
    for (const [kind, product] of recordKinds)
      assert.equal(
        guidOf(`${productIdPrefix[product]}_mr3dahcl26htwksmeok3`),
        layoutGuid(tags[kind], base32('mr3dahcl26htwksmeok3'), 100),
        kind,
      );
  });

  test('a handle is tag 13 + its 14 bytes + check', () => {
    const bytes = randomBytes(14);
    assert.equal(
      guidOfHandle(bytes.toString('base64url')),
      layoutGuid(tags.handle, BigInt(`0x${bytes.toString('hex')}`), 112),
    );
  });

  test('every kind round-trips over random ids, in either case', () => {
    for (let i = 0; i < 200; i++) {
      const connection = newId('connection');
      const ids: Array<[GuidKind, string]> = [
        ['connection', connection],
        ...recordKinds.map(([kind, product]): [GuidKind, string] => [
          kind,
          recordId(connection, product, randomBytes(8).toString('hex')),
        ]),
        ['handle', randomBytes(14).toString('base64url')],
      ];
      for (const [kind, id] of ids) {
        const guid = kind === 'handle' ? guidOfHandle(id) : guidOf(id);
        assert.match(guid, GUID);
        assert.deepEqual(decodeGuid(guid), { kind, id });
        assert.deepEqual(decodeGuid(guid.toUpperCase()), { kind, id });
      }
    }
  });

  test('the extremes of every body round-trip', () => {
    for (const id of ['con_0000000000000000', 'con_zzzzzzzzzzzzzzzz'])
      assert.deepEqual(decodeGuid(guidOf(id)), { kind: 'connection', id });
    for (const [kind, product] of recordKinds)
      for (const body of ['aaaaaaaaaaaaaaaaaaaa', '77777777777777777777']) {
        const id = `${productIdPrefix[product]}_${body}`;
        assert.deepEqual(decodeGuid(guidOf(id)), { kind, id });
      }
    for (const bytes of [Buffer.alloc(14), Buffer.alloc(14, 0xff)]) {
      const text = bytes.toString('base64url');
      assert.deepEqual(decodeGuid(guidOfHandle(text)), { kind: 'handle', id: text });
    }
  });

  test('the same body under two kinds gives two GUIDs', () => {
    const body = 'mr3dahcl26htwksmeok3';
    const guids = recordKinds.map(([, product]) => guidOf(`${productIdPrefix[product]}_${body}`));
    assert.equal(new Set(guids).size, recordKinds.length);
  });

  test('an id of no known shape throws', () => {
    for (const id of [
      '',
      'con',
      'con_',
      'mfd_mr3dahcl26htwksmeok3', // MiFID answers are never shown to Flinks
      'ins_sandbox_bank',
      'cli_z7r2vqdd65ltxi2t',
      'con_Z7R2VQDD65LTXI2T',
      'con_z7r2vqdd65ltxi2', // 15 characters
      'con_mr3dahcl26htwksmeok3', // a record body under a connection prefix
      'acc_z7r2vqdd65ltxi2t', // a connection body under a record prefix
      'acc_mr3dahcl26htwksmeo08', // 0 and 8 are not base-32
      'acc_mr3dahcl26htwksmeok3 ',
      'mr3dahcl26htwksmeok3',
    ])
      assert.throws(() => guidOf(id), /No GUID/, id);
  });

  test('a handle text that is not 14 bytes of canonical base64url throws', () => {
    const good = randomBytes(14).toString('base64url');
    for (const text of [
      '',
      good.slice(1),
      `${good}A`,
      `flk_${good}`,
      'AAAAAAAAAAAAAAAAAAB', // the last character's 2 spare bits are not zero
      `${good.slice(0, 18)}+`, // base64, not base64url
      `${good.slice(0, 18)}=`,
    ])
      assert.throws(() => guidOfHandle(text), /No GUID/, text);
  });

  test('anything this codec did not produce decodes to null, never throws', () => {
    const good = guidOf('con_z7r2vqdd65ltxi2t');
    const rejected: unknown[] = [
      '',
      'hello',
      '5e115eac-1209-4f19-641c-08d6d484e2fe', // the LoginId of Flinks' guide: version 4
      '00000000-0000-8000-8000-000000000000',
      good.replaceAll('-', ''),
      `{${good}}`,
      ` ${good}`,
      `${good.slice(0, 14)}4${good.slice(15)}`, // version 4
      `${good.slice(0, 19)}c${good.slice(20)}`, // variant 110
      `${good.slice(0, 19)}0${good.slice(20)}`, // variant 0
      null,
      undefined,
      42,
      {},
    ];
    for (const value of rejected) assert.equal(decodeGuid(value as string), null, String(value));
  });

  test('an unknown tag decodes to null, even with a valid check', () => {
    for (const tag of [0, 14, 31, 63])
      assert.equal(decodeGuid(layoutGuid(tag, 12345n, 100)), null, `tag ${tag}`);
  });

  test('a connection body out of range decodes to null, even with a valid check', () => {
    assert.equal(decodeGuid(layoutGuid(1, 36n ** 16n, 83)), null);
    assert.equal(decodeGuid(layoutGuid(1, (1n << 83n) - 1n, 83)), null);
    assert.equal(decodeGuid(layoutGuid(1, 36n ** 16n - 1n, 83))?.id, 'con_zzzzzzzzzzzzzzzz');
  });

  test('a wrong check decodes to null: one altered digit anywhere is caught', () => {
    const body = base36('z7r2vqdd65ltxi2t');
    const right =
      createHash('sha256')
        .update(`1:${body.toString(16)}`)
        .digest()
        .readBigUInt64BE(0) &
      ((1n << 33n) - 1n);
    assert.equal(layoutGuid(1, body, 83, right), guidOf('con_z7r2vqdd65ltxi2t'));
    assert.equal(decodeGuid(layoutGuid(1, body, 83, right ^ 1n)), null);
    const guid = guidOf('con_z7r2vqdd65ltxi2t');
    for (let i = 0; i < guid.length; i++) {
      if (guid[i] === '-' || i === 14 || i === 19) continue;
      const altered = `${guid.slice(0, i)}${guid[i] === '0' ? '1' : '0'}${guid.slice(i + 1)}`;
      assert.equal(decodeGuid(altered), null, `digit ${i}`);
    }
  });
});

// ---- bodies

describe('Flinks bodies', () => {
  test('JSON is read as JSON', () => {
    assert.deepEqual(parseFlinksJson('{"LoginId":"x","MostRecentCached":true}'), {
      LoginId: 'x',
      MostRecentCached: true,
    });
    assert.deepEqual(parseFlinksJson('[1, 2]'), [1, 2]);
  });

  test("the /Investments body of Flinks' guide, its comma missing, is understood", () => {
    const body = `{
"LoginId":"5e115eac-1209-4f19-641c-08d6d484e2fe",
"RequestId":"1243c283-e0ca-4fda-a5e4-343068430190"
"MostRecentCached": true
}`;
    assert.throws(() => JSON.parse(body), SyntaxError);
    assert.deepEqual(parseFlinksJson(body), {
      LoginId: '5e115eac-1209-4f19-641c-08d6d484e2fe',
      RequestId: '1243c283-e0ca-4fda-a5e4-343068430190',
      MostRecentCached: true,
    });
  });

  test('a comma is put back after every kind of value, across LF or CRLF and indentation', () => {
    const body =
      '{\r\n  "a": 1.5e2\r\n  "b": true\n\t"c": null\n  "d": {"e": [1]}\n  "f": []\n  "g": -0.25\n  "h": false\n}';
    assert.deepEqual(parseFlinksJson(body), {
      a: 150,
      b: true,
      c: null,
      d: { e: [1] },
      f: [],
      g: -0.25,
      h: false,
    });
  });

  test('a comma is never inserted inside a string', () => {
    // The value holds, escaped, the very pattern the repair looks for: a quote, a line break, "key":
    const body = '{\n"Note": "a\\"\\n\\"b\\": 1"\n"RequestId": "r"\n}';
    assert.deepEqual(parseFlinksJson(body), { Note: 'a"\n"b": 1', RequestId: 'r' });
  });

  test('anything else stays a SyntaxError', () => {
    for (const body of [
      '{"a": 1 "b": 2}', // no line break between the members
      '{"LoginId": "x",,}',
      '{"LoginId": ',
      '{"a": "x"\n"y"}', // what follows is not a key
      '[1\n2]',
      '{"a": 1\n"b" 2}',
      '{"a": undefined\n"b": 2}',
      '{"a": "unterminated\n"b": 2}',
      '',
      'LoginId=x',
    ])
      assert.throws(() => parseFlinksJson(body), SyntaxError, JSON.stringify(body));
  });

  test('field() reads a key in any case, the exact spelling first', () => {
    for (const body of [{ LoginId: 'x' }, { loginId: 'x' }, { LOGINID: 'x' }, { loginid: 'x' }])
      assert.equal(field(body, 'LoginId'), 'x');
    assert.equal(field({ loginid: 1, LoginId: 2 }, 'LoginId'), 2);
    assert.equal(field({ MostRecentCached: false }, 'mostrecentcached'), false);
    assert.equal(field({ Tag: null }, 'Tag'), null);
  });

  test('field() is undefined when the key is absent or the body not an object', () => {
    assert.equal(field({ RequestId: 'x' }, 'LoginId'), undefined);
    for (const body of [null, undefined, 'LoginId', 42, ['LoginId'], true])
      assert.equal(field(body, 'LoginId'), undefined);
  });
});

// ---- institutions

const institutions = [
  { id: 'ins_sandbox_bank', name: 'Banco Sandbox' },
  { id: 'ins_sandbox_broker', name: 'Sandbox Valores' },
  { id: 'ins_sandbox_flinks_capital', name: 'FlinksCapital' },
  { id: 'ins_sandbox_flinks_investment', name: 'FlinksInvestment' },
];

describe('Flinks institutions', () => {
  test("Flinks' test institutions keep Flinks' names and ids", () => {
    assert.deepEqual(flinksInstitutionOf(institutions[2]!), { Id: 14, Name: 'FlinksCapital' });
    assert.deepEqual(flinksInstitutionOf({ id: 'ins_sandbox_flinks_investment', name: 'whatever' }), {
      Id: 999999999,
      Name: 'FlinksInvestment',
    });
  });

  test('any other institution: its name, and FNV-1a 32-bit of its id masked to 31 bits', () => {
    // FNV-1a test vectors: "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    assert.deepEqual(flinksInstitutionOf({ id: 'a', name: 'A' }), { Id: 0xe40c292c & 0x7fffffff, Name: 'A' });
    assert.equal(flinksInstitutionOf({ id: 'foobar', name: 'F' }).Id, 0x3f9cf968);
    const bank = flinksInstitutionOf(institutions[0]!);
    assert.equal(bank.Name, 'Banco Sandbox');
    assert.equal(bank.Id, flinksInstitutionOf({ id: 'ins_sandbox_bank', name: 'renamed' }).Id, 'stable');
    for (let i = 0; i < 1000; i++) {
      const { Id } = flinksInstitutionOf({ id: `ins_${i}`, name: 'x' });
      assert.ok(Number.isInteger(Id) && Id > 0 && Id <= 0x7fffffff, String(Id));
    }
  });

  test('lookup by Flinks name: any case, spaces ignored', () => {
    for (const value of ['FlinksCapital', 'flinkscapital', 'Flinks Capital', '  FLINKS CAPITAL '])
      assert.equal(nativeInstitutionOf(value, institutions), 'ins_sandbox_flinks_capital', value);
    assert.equal(nativeInstitutionOf('FlinksInvestment', institutions), 'ins_sandbox_flinks_investment');
  });

  test('lookup by native id, native name, or the integer id as a number or text', () => {
    assert.equal(nativeInstitutionOf('ins_sandbox_broker', institutions), 'ins_sandbox_broker');
    assert.equal(nativeInstitutionOf('banco sandbox', institutions), 'ins_sandbox_bank');
    assert.equal(nativeInstitutionOf('BancoSandbox', institutions), 'ins_sandbox_bank');
    assert.equal(nativeInstitutionOf(14, institutions), 'ins_sandbox_flinks_capital');
    assert.equal(nativeInstitutionOf('14', institutions), 'ins_sandbox_flinks_capital');
    assert.equal(nativeInstitutionOf(999999999, institutions), 'ins_sandbox_flinks_investment');
    assert.equal(nativeInstitutionOf('999999999', institutions), 'ins_sandbox_flinks_investment');
    const { Id } = flinksInstitutionOf(institutions[0]!);
    assert.equal(nativeInstitutionOf(Id, institutions), 'ins_sandbox_bank');
    assert.equal(nativeInstitutionOf(String(Id), institutions), 'ins_sandbox_bank');
  });

  test('lookup finds nothing for an unknown value, or outside the list', () => {
    for (const value of ['', '  ', 'Nope', 15, 1.5, Number.NaN, -14, '14.0'])
      assert.equal(nativeInstitutionOf(value, institutions), undefined, String(value));
    assert.equal(nativeInstitutionOf(14, institutions.slice(0, 2)), undefined);
    assert.equal(nativeInstitutionOf('FlinksCapital', []), undefined);
  });

  test('two ids sharing an integer id are told apart by name; the number names the first', () => {
    const twins = [
      { id: 'ins_test_5vl8', name: 'Twin One' },
      { id: 'ins_test_mpd6', name: 'Twin Two' },
    ];
    assert.equal(flinksInstitutionOf(twins[0]!).Id, flinksInstitutionOf(twins[1]!).Id);
    assert.equal(nativeInstitutionOf('Twin Two', twins), 'ins_test_mpd6');
    assert.equal(nativeInstitutionOf(flinksInstitutionOf(twins[1]!).Id, twins), 'ins_test_5vl8');
  });

  test('investment form: FlinksInvestment always, FlinksCapital never, others by their products', () => {
    assert.equal(investmentInstitution('ins_sandbox_flinks_investment', []), true);
    assert.equal(investmentInstitution('ins_sandbox_flinks_capital', ['accounts', 'investments']), false);
    assert.equal(
      investmentInstitution('ins_sandbox_broker', ['accounts', 'portfolios', 'investments']),
      true,
    );
    assert.equal(investmentInstitution('ins_sandbox_bank', ['accounts', 'transactions', 'cards']), false);
  });

  test('the institutions answer validates', () => {
    assertValid(InstitutionsResponse, {
      HttpStatusCode: 200,
      Institutions: institutions.map(flinksInstitutionOf),
    });
  });
});

// ---- native records, as the sandbox serves them (../api/openapi/record-examples.ts), and the
// variants these tests need

/** The rent transfer without its transfer details. */
const transaction: NativeRecord = { ...nativeTransaction, transfer: null };

const salary: NativeRecord = {
  ...transaction,
  id: 'txn_b3lq5yuzmhxk6ad2v7wr',
  amount: '2450.75',
  balance: '23064.16',
  operation_date: '2026-11-28',
  value_date: '2026-11-28',
  description: 'NOMINA SANDBOX TECH SL',
};

/** A fund without its CNMV record, performance detail or analytics. */
const fund: NativeRecord = { ...investment, cnmv: null, performance_detail: null, analytics: null };

const apple: NativeRecord = {
  ...fund,
  id: 'inv_d4g4jxf27pom7mghrxnw',
  name: 'Apple Inc.',
  isin: 'US0378331005',
  cusip: '037833100',
  symbol: 'AAPL',
  type: 'VI',
  subtype: null,
  amount: 49,
  balance: 26352.43,
  currency: 'USD',
  cost: '10407.60',
};

/** The Apple buy under another order number (the fields the mapper does not read are left as served). */
const buy: NativeRecord = { ...investmentTransaction, transaction_id: 'OP000012' };

const sell: NativeRecord = {
  ...buy,
  id: 'itx_q2rfkzc7xw4emhn5dyut',
  investment_id: 'inv_5ayoloka6vfzpy4zjnfw',
  isin: 'ES0SBX000016',
  description: 'VENTA SANDBOX RENTA VARIABLE EUROPA FI',
  type: '2',
  symb: '-',
  operation_date: '2026-11-12T10:15:00+01:00',
  value_date: '2026-11-14',
  amount: -8,
  unit_price: '143.82',
  net_cash: 1150.56,
  commission: '0.00',
  currency: 'EUR',
};

// ---- mappers

describe('links and dates', () => {
  test("the Links of a banking session, an investment session and Authorize, as Flinks' reference writes them", () => {
    assert.deepEqual(bankingLinks, [
      { rel: 'AccountsDetail', href: '/GetAccountsDetail', example: null },
      { rel: 'AccountsSummary', href: '/GetAccountsSummary', example: null },
      { rel: 'Statements', href: '/GetStatements', example: null },
    ]);
    assert.deepEqual(investmentLinks, [{ rel: 'InvestmentsDetail', href: '/Investments', example: null }]);
    assert.deepEqual(authorizeLinks, [{ rel: 'Authorization', href: '/Authorize', example: null }]);
    for (const link of [...bankingLinks, ...investmentLinks, ...authorizeLinks])
      assertValid(FlinksLink, link);
  });

  test('the Links are shared, so they cannot be changed in place', () => {
    assert.throws(() => bankingLinks.push({ rel: 'x', href: '/x', example: null }), TypeError);
    assert.throws(() => {
      (investmentLinks[0] as { href: string }).href = '/x';
    }, TypeError);
  });

  test("a native timestamp → Flinks' UTC without zone, seven fractional digits", () => {
    assert.equal(flinksDateTime('2020-09-23T17:26:19.705Z'), '2020-09-23T17:26:19.7050000');
  });

  test('a UTC timestamp keeps its own digits, padded or cut to seven', () => {
    assert.equal(flinksDateTime('2020-09-23T17:26:19.7050856Z'), '2020-09-23T17:26:19.7050856');
    assert.equal(flinksDateTime('2020-09-23T17:26:19.705085612Z'), '2020-09-23T17:26:19.7050856');
    assert.equal(flinksDateTime('2020-09-23T17:26:19Z'), '2020-09-23T17:26:19.0000000');
  });

  test('another zone is converted to UTC; a day is its midnight UTC', () => {
    assert.equal(flinksDateTime('2020-09-23T19:26:19.705+02:00'), '2020-09-23T17:26:19.7050000');
    assert.equal(flinksDateTime('2020-09-23'), '2020-09-23T00:00:00.0000000');
  });

  test('no timestamp, or not one → null', () => {
    assert.equal(flinksDateTime(null), null);
    assert.equal(flinksDateTime('yesterday'), null);
    assert.equal(flinksDateTime(''), null);
  });
});

describe('the login', () => {
  const view = {
    id: CONNECTION,
    access_mode: 'recurrent',
    status: 'ok',
    last_refresh_at: '2026-12-01T06:00:03.412Z',
  };

  test('a recurrent connection: a scheduled refresh, its LastRefresh, Type Personal, the LoginId', () => {
    const login = toFlinksLogin(view, 'Greatday');
    assert.deepEqual(login, {
      Username: 'Greatday',
      IsScheduledRefresh: true,
      LastRefresh: '2026-12-01T06:00:03.4120000',
      Type: 'Personal',
      Id: guidOf(CONNECTION),
    });
    assert.deepEqual(decodeGuid(login.Id), { kind: 'connection', id: CONNECTION });
    assertValid(FlinksLogin, login);
  });

  test('a one-shot, a disabled or a switched-off connection is not scheduled', () => {
    assert.equal(toFlinksLogin({ ...view, access_mode: 'single' }, null).IsScheduledRefresh, false);
    assert.equal(toFlinksLogin({ ...view, status: 'disabled' }, null).IsScheduledRefresh, false);
    assert.equal(toFlinksLogin({ ...view, scheduled_refresh: false }, null).IsScheduledRefresh, false);
    assert.equal(isScheduledRefresh({ ...view, scheduled_refresh: true }), true);
    // Waiting for the end user pauses the schedule, but the login stays scheduled.
    assert.equal(isScheduledRefresh({ ...view, status: 'credentials_invalid' }), true);
  });

  test("the caller's `scheduled` wins", () => {
    assert.equal(toFlinksLogin({ ...view, scheduled: false }, null).IsScheduledRefresh, false);
    assert.equal(
      toFlinksLogin({ id: CONNECTION, last_refresh_at: null, scheduled: true }, null).IsScheduledRefresh,
      true,
    );
  });

  test('never refreshed, no username known → nulls', () => {
    const login = toFlinksLogin({ ...view, last_refresh_at: null }, null);
    assert.equal(login.LastRefresh, null);
    assert.equal(login.Username, null);
    assertValid(FlinksLogin, login);
  });
});

describe('transactions', () => {
  test('money out: Debit positive, Credit null', () => {
    const mapped = toFlinksTransaction(transaction);
    assert.deepEqual(mapped, {
      Date: '2026-12-01',
      Code: null,
      Description: 'TRANSFERENCIA A FAVOR DE INMOBILIARIA SOL SL ALQUILER VIVIENDA',
      Debit: 850,
      Credit: null,
      Balance: 22213.41,
      Id: guidOf('txn_2ozc543iolcvhzskcrfv'),
    });
    assertValid(FlinksTransaction, mapped);
  });

  test('money in, as decimal text: Credit, Debit null, Balance a number', () => {
    const mapped = toFlinksTransaction(salary);
    assert.equal(mapped.Credit, 2450.75);
    assert.equal(mapped.Debit, null);
    assert.equal(mapped.Balance, 23064.16);
    assertValid(FlinksTransaction, mapped);
  });

  test('a debit as decimal text is a positive number', () => {
    const mapped = toFlinksTransaction({ ...transaction, amount: '-850.10' });
    assert.equal(mapped.Debit, 850.1);
    assert.equal(mapped.Credit, null);
  });

  test('zero is a credit of 0 (minus zero too)', () => {
    for (const amount of [0, -0, '0.00', '-0']) {
      const mapped = toFlinksTransaction({ ...transaction, amount });
      assert.equal(mapped.Debit, null, String(amount));
      assert.ok(Object.is(mapped.Credit, 0), String(amount));
    }
  });

  test('no amount, or not a number → neither Debit nor Credit, never NaN', () => {
    for (const amount of [
      null,
      undefined,
      '',
      ' ',
      'abc',
      '0x10',
      'Infinity',
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]) {
      const mapped = toFlinksTransaction({ ...transaction, amount, balance: Number.NaN });
      assert.equal(mapped.Debit, null);
      assert.equal(mapped.Credit, null);
      assert.equal(mapped.Balance, null);
      assertValid(FlinksTransaction, mapped);
    }
  });

  test("a timestamped date keeps the bank's day; no operation date → the value date; neither → null", () => {
    assert.equal(
      toFlinksTransaction({ ...transaction, operation_date: '2026-12-01T23:30:00-05:00' }).Date,
      '2026-12-01',
    );
    assert.equal(
      toFlinksTransaction({ ...transaction, operation_date: null, value_date: '2026-12-02' }).Date,
      '2026-12-02',
    );
    const undated = toFlinksTransaction({ ...transaction, operation_date: null, value_date: '01/12/2026' });
    assert.equal(undated.Date, null);
    assertValid(FlinksTransaction, undated);
  });

  test('a card movement: the shop describes it, no running balance', () => {
    const mapped = toFlinksTransaction(cardTransaction);
    assert.deepEqual(mapped, {
      Date: '2026-11-29',
      Code: null,
      Description: 'CARREFOUR EXPRESS',
      Debit: 6.44,
      Credit: null,
      Balance: null,
      Id: guidOf('ctx_7u34lu2zpqjom53quf6h'),
    });
    assert.equal(decodeGuid(mapped.Id)?.kind, 'card_transaction');
  });
});

describe('accounts', () => {
  test('a current account: Chequing, Operations, the IBAN masked, in the key order of Flinks’ example', () => {
    const mapped = toFlinksAccount(account, {});
    assert.deepEqual(mapped, {
      TransitNumber: null,
      InstitutionNumber: null,
      OverdraftLimit: null,
      Title: 'Cuenta Sandbox Nómina',
      AccountNumber: '********************8680',
      Balance: { Available: 22213.41, Current: 22213.41, Limit: null },
      Category: 'Operations',
      Type: 'Chequing',
      Currency: 'EUR',
      Id: guidOf('acc_mr3dahcl26htwksmeok3'),
    });
    assertValid(FlinksAccount, mapped);
    assertValid(FlinksAccountSummary, mapped);
  });

  test('with the account identity, the IBAN in full', () => {
    assert.equal(toFlinksAccount(account, { withIdentity: true }).AccountNumber, 'ES4199990001489273558680');
    assert.equal(toFlinksAccount({ ...account, iban: null }, { withIdentity: true }).AccountNumber, null);
    assert.equal(toFlinksAccount({ ...account, iban: null }, {}).AccountNumber, null);
  });

  test('account types: savings → Savings, anything else → Unknown', () => {
    assert.equal(toFlinksAccount({ ...account, type: 'savings' }, {}).Type, 'Savings');
    assert.equal(toFlinksAccount({ ...account, type: 'Current' }, {}).Type, 'Chequing');
    for (const type of ['brokerage_cash', 'deposit', null, undefined])
      assert.equal(toFlinksAccount({ ...account, type }, {}).Type, 'Unknown', String(type));
  });

  test('Transactions only when given (newest first, as given), mapped', () => {
    const mapped = toFlinksAccount(account, { transactions: [transaction, salary] });
    assert.deepEqual(Object.keys(mapped)[0], 'Transactions');
    assert.deepEqual(mapped.Transactions, [toFlinksTransaction(transaction), toFlinksTransaction(salary)]);
    assert.deepEqual(toFlinksAccount(account, { transactions: [] }).Transactions, []);
    assert.equal('Transactions' in toFlinksAccount(account, { transactions: undefined }), false);
    assertValid(FlinksAccount, mapped);
    assert.equal(Value.Check(FlinksAccountSummary, mapped), false, 'a summary has no transactions');
  });

  test('Holder only when asked: the holder, or null without an identity', () => {
    const holder = toFlinksHolder(identity);
    const withHolder = toFlinksAccount(account, { holder });
    assert.deepEqual(withHolder.Holder, holder);
    assert.deepEqual(Object.keys(withHolder).slice(-2), ['Holder', 'Id']);
    assert.equal(toFlinksAccount(account, { holder: null }).Holder, null);
    assert.equal('Holder' in toFlinksAccount(account, { holder: undefined }), false);
    assertValid(FlinksAccount, withHolder);
    assertValid(FlinksAccount, toFlinksAccount(account, { holder: null }));
  });

  test('money as text, missing values → null; the title from the alias when there is no name', () => {
    const mapped = toFlinksAccount(
      { ...account, name: null, balance: '1200.50', available_balance: null, currency: null },
      {},
    );
    assert.equal(mapped.Title, 'Cuenta Sandbox Nómina');
    assert.deepEqual(mapped.Balance, { Available: null, Current: 1200.5, Limit: null });
    assert.equal(mapped.Currency, null);
    assertValid(FlinksAccount, mapped);
    const bare = toFlinksAccount({ id: 'acc_aaaaaaaaaaaaaaaaaaaa' }, {});
    assert.equal(bare.Title, null);
    assertValid(FlinksAccount, bare);
  });
});

describe('cards', () => {
  test('a credit card: Credits, CreditCard, the PAN masked, Limit, Current = owed', () => {
    const mapped = toFlinksCardAccount(card, { transactions: [cardTransaction] });
    assert.deepEqual(mapped, {
      Transactions: [toFlinksTransaction(cardTransaction)],
      TransitNumber: null,
      InstitutionNumber: null,
      OverdraftLimit: null,
      Title: 'Tarjeta Crédito Oro',
      AccountNumber: '************7310',
      Balance: { Available: 2350, Current: 650, Limit: 3000 },
      Category: 'Credits',
      Type: 'CreditCard',
      Currency: 'EUR',
      Id: guidOf('crd_ncs7ltifww4zkf6wkaeq'),
    });
    assert.equal(mapped.AccountNumber, maskPan('522436******7310'));
    assertValid(FlinksAccount, mapped);
  });

  test('the PAN stays masked even with the account identity', () => {
    assert.equal(toFlinksCardAccount(card, { withIdentity: true }).AccountNumber, '************7310');
  });

  test('what is owed has no binary noise', () => {
    const mapped = toFlinksCardAccount({ ...card, credit_limit: 3000.1, available_balance: '2349.9' }, {});
    assert.equal(mapped.Balance.Current, 650.2);
  });

  test('no limit (a debit card) → Current and Limit null', () => {
    const mapped = toFlinksCardAccount({ ...card, card_type: 'debit', credit_limit: null, pan: null }, {});
    assert.deepEqual(mapped.Balance, { Available: 2350, Current: null, Limit: null });
    assert.equal(mapped.AccountNumber, null);
    assertValid(FlinksAccount, mapped);
  });
});

describe('holders', () => {
  test('the identity: name upper case, street type + name + number, first email and phone', () => {
    const holder = toFlinksHolder(identity);
    assert.deepEqual(holder, {
      Name: 'CARMEN DÍAZ FERNÁNDEZ',
      Address: {
        CivicAddress: 'Paseo de Gracia 126',
        City: 'Sevilla',
        Province: 'Sevilla',
        PostalCode: '41004',
        POBox: null,
        Country: 'ES',
      },
      Email: 'user.good@example.com',
      PhoneNumber: '+34 615 868 654',
    });
    assertValid(FlinksHolder, holder);
  });

  test('no identity → null', () => {
    assert.equal(toFlinksHolder(undefined), null);
  });

  test('a name from its parts; an address with camelCase keys; missing parts → null', () => {
    const holder = toFlinksHolder({
      ...identity,
      full_name: null,
      surname2: null,
      address: { streetName: 'Gran Vía', streetNumber: '1', zipCode: '28013', city: 'Madrid' },
      contact_info: [{ type: 'Phone', value: '+34 600 000 000' }],
    });
    assert.deepEqual(holder, {
      Name: 'CARMEN DÍAZ',
      Address: {
        CivicAddress: 'Gran Vía 1',
        City: 'Madrid',
        Province: null,
        PostalCode: '28013',
        POBox: null,
        Country: null,
      },
      Email: null,
      PhoneNumber: '+34 600 000 000',
    });
    assertValid(FlinksHolder, holder);
  });

  test('an identity with nothing in it → a holder of nulls', () => {
    const holder = toFlinksHolder({ id: 'idn_aaaaaaaaaaaaaaaaaaaa', address: null, contact_info: null });
    assert.deepEqual(holder, {
      Name: null,
      Address: {
        CivicAddress: null,
        City: null,
        Province: null,
        PostalCode: null,
        POBox: null,
        Country: null,
      },
      Email: null,
      PhoneNumber: null,
    });
    assertValid(FlinksHolder, holder);
  });
});

describe('investments', () => {
  test('a holding as a position: units, market value, book value, its security', () => {
    const position = toFlinksPosition(apple);
    assert.deepEqual(position, {
      Quantity: 49,
      MarketValue: 26352.43,
      BookValue: 10407.6,
      Currency: 'USD',
      Security: { Symbol: 'AAPL', Name: 'Apple Inc.', CUSIP: '037833100', ISIN: 'US0378331005', Type: 'VI' },
      Id: guidOf('inv_d4g4jxf27pom7mghrxnw'),
    });
    assertValid(FlinksPosition, position);
  });

  test('a fund without symbol or CUSIP: nulls; money as text', () => {
    const position = toFlinksPosition(fund);
    assert.equal(position.MarketValue, 21860.64);
    assert.deepEqual(position.Security, {
      Symbol: null,
      Name: 'Sandbox Renta Variable Europa FI',
      CUSIP: null,
      ISIN: 'ES0SBX000016',
      Type: 'F',
    });
    assertValid(FlinksPosition, position);
  });

  test('a buy: its dates, units, price, net cash, commission; the security from its holding', () => {
    const mapped = toFlinksInvestmentTransaction(buy, apple);
    assert.deepEqual(mapped, {
      Date: '2026-10-28',
      SettlementDate: '2026-10-30',
      Type: '1',
      Description: 'COMPRA APPLE INC',
      Quantity: 10,
      Price: 212.4,
      NetAmount: -2140.62,
      Commission: 15.62,
      Currency: 'USD',
      Security: toFlinksPosition(apple).Security,
      Id: guidOf('itx_aiirtl3bngdu7qftb3oq'),
    });
    assertValid(FlinksInvestmentTransaction, mapped);
  });

  test('a sell: negative units, money as text, a timestamped date; without its holding, the ISIN alone', () => {
    const mapped = toFlinksInvestmentTransaction(sell);
    assert.equal(mapped.Date, '2026-11-12');
    assert.equal(mapped.Quantity, -8);
    assert.equal(mapped.Price, 143.82);
    assert.equal(mapped.NetAmount, 1150.56);
    assert.equal(mapped.Commission, 0);
    assert.deepEqual(mapped.Security, {
      Symbol: null,
      Name: null,
      CUSIP: null,
      ISIN: 'ES0SBX000016',
      Type: null,
    });
    assertValid(FlinksInvestmentTransaction, mapped);
  });

  test('a portfolio: Flinks’ investment account with its value, cash, positions and transactions', () => {
    const mapped = toFlinksInvestmentAccount(portfolio, {
      positions: [fund, apple],
      transactions: [sell, buy],
      cash: 1000.1,
    });
    assert.deepEqual(mapped, {
      Id: guidOf('pfl_6jpn2hb3x5zmjbo4nhey'),
      FullAccountId: 'Cartera de Valores VAL-479291 EUR',
      AccountId: 'VAL-479291',
      Name: 'Cartera de Valores',
      Type: 'unknown',
      Registered: false,
      Currency: 'eur',
      Cash: 1000.1,
      AccountValue: 49213.17,
      CurrencyValue: 49213.17,
      Positions: [toFlinksPosition(fund), toFlinksPosition(apple)],
      Transactions: [toFlinksInvestmentTransaction(sell, fund), toFlinksInvestmentTransaction(buy, apple)],
    });
    assertValid(FlinksInvestmentAccount, mapped);
  });

  test('a pension plan is registered; no cash account → Cash 0', () => {
    const pension = {
      ...portfolio,
      type: 'pension_plan',
      name: 'Plan de Pensiones Individual',
      balance: '12000.00',
    };
    const mapped = toFlinksInvestmentAccount(pension, { positions: [], transactions: [], cash: null });
    assert.equal(mapped.Registered, true);
    assert.equal(mapped.Type, 'unknown');
    assert.equal(mapped.Cash, 0);
    assert.equal(mapped.AccountValue, 12000);
    assertValid(FlinksInvestmentAccount, mapped);
  });

  test('no valuation: the sum of the positions; not even that → null', () => {
    const unvalued = { ...portfolio, balance: null };
    assert.equal(
      toFlinksInvestmentAccount(unvalued, { positions: [fund, apple], transactions: [], cash: 0 })
        .AccountValue,
      48213.07,
    );
    const unknown = toFlinksInvestmentAccount(unvalued, {
      positions: [fund, { ...apple, balance: null }],
      transactions: [],
      cash: 10,
    });
    assert.equal(unknown.AccountValue, null);
    assert.equal(unknown.CurrencyValue, null);
    assert.equal(unknown.Cash, 10);
    assertValid(FlinksInvestmentAccount, unknown);
  });

  test('a currency outside Flinks’ list → null; missing names → what is known', () => {
    const mapped = toFlinksInvestmentAccount(
      { id: 'pfl_aaaaaaaaaaaaaaaaaaaa', currency: 'PLN', name: null, ref_valores: null },
      { positions: [], transactions: [], cash: Number.NaN },
    );
    assert.equal(mapped.Currency, null);
    assert.equal(mapped.FullAccountId, 'PLN');
    const nameless = toFlinksInvestmentAccount(
      { id: 'pfl_aaaaaaaaaaaaaaaaaaaa' },
      { positions: [], transactions: [], cash: 0 },
    );
    assert.equal(nameless.FullAccountId, nameless.Id);
    assert.equal(mapped.AccountId, null);
    assert.equal(mapped.Cash, 0);
    assertValid(FlinksInvestmentAccount, mapped);
    assert.equal(
      toFlinksInvestmentAccount(
        { ...portfolio, currency: 'usd' },
        { positions: [], transactions: [], cash: 0 },
      ).Currency,
      'usd',
    );
  });
});

describe('security challenges', () => {
  test('a question: QuestionAndAnswer with the native prompt', () => {
    const mapped = toFlinksChallenge({
      type: 'question',
      prompt: 'What city were you born in?',
      redirect_url: null,
    });
    assert.deepEqual(mapped, {
      Type: 'QuestionAndAnswer',
      Prompt: 'What city were you born in?',
      Iterables: [],
    });
    assertValid(SecurityChallenge, mapped);
  });

  test('a one-time code: QuestionAndAnswer too', () => {
    const mapped = toFlinksChallenge({ type: 'otp', prompt: 'Enter the code sent to your phone (123456).' });
    assert.equal(mapped.Type, 'QuestionAndAnswer');
    assert.equal(mapped.Prompt, 'Enter the code sent to your phone (123456).');
    assertValid(SecurityChallenge, mapped);
  });

  test('a redirect: Redirect and RedirectUrl', () => {
    const mapped = toFlinksChallenge({
      type: 'redirect',
      prompt: 'Log in at your bank.',
      redirect_url: 'https://bank.example/oauth?state=1',
    });
    assert.deepEqual(mapped, {
      Type: 'Redirect',
      Prompt: 'Log in at your bank.',
      Iterables: [],
      RedirectUrl: 'https://bank.example/oauth?state=1',
    });
    assertValid(SecurityChallenge, mapped);
  });

  test('a decoupled approval, a redirect without a URL, an empty prompt: still a valid challenge', () => {
    assert.equal(
      toFlinksChallenge({ type: 'decoupled', prompt: 'Approve in your app.' }).Type,
      'QuestionAndAnswer',
    );
    assert.equal(
      toFlinksChallenge({ type: 'redirect', prompt: 'Go', redirect_url: null }).Type,
      'QuestionAndAnswer',
    );
    const prompted = toFlinksChallenge({ type: 'otp', prompt: '  ' });
    assert.equal(prompted.Prompt, 'Enter the code your bank sent you.');
    for (const type of ['otp', 'question', 'decoupled', 'redirect', 'something_new'])
      assertValid(SecurityChallenge, toFlinksChallenge({ type, prompt: null }));
  });
});

// ---- whole answers

describe('whole answers validate against their schemas', () => {
  const RequestId = guidOfHandle(randomBytes(14).toString('base64url'));
  const Login = toFlinksLogin(
    { id: CONNECTION, access_mode: 'recurrent', last_refresh_at: '2020-09-23T17:26:19.705Z' },
    'Greatday',
  );

  test('Authorize, banking form (Institution as a name)', () => {
    const body = {
      Links: bankingLinks,
      HttpStatusCode: 200,
      Login,
      Institution: 'FlinksCapital',
      InstitutionId: 14,
      InstitutionName: 'FlinksCapital',
      RequestId,
    };
    assertValid(AuthorizeResponse, body);
    assert.equal(
      Value.Check(AuthorizeResponse, { ...body, Institution: { Id: 14, Name: 'FlinksCapital' } }),
      false,
    );
  });

  test("Authorize, investment form (Institution as an object, as in Flinks' guide)", () => {
    const body = {
      Links: investmentLinks,
      HttpStatusCode: 200,
      Login,
      Institution: flinksInstitutionOf(institutions[3]!),
      RequestId,
    };
    assertValid(AuthorizeResponse, body);
    assert.equal(Value.Check(AuthorizeResponse, { ...body, InstitutionId: 999999999 }), false);
  });

  test('the 203, the 202, the token, an error, a message', () => {
    assertValid(ChallengeResponse, {
      Links: authorizeLinks,
      HttpStatusCode: 203,
      SecurityChallenges: [toFlinksChallenge({ type: 'question', prompt: 'What city were you born in?' })],
      Institution: 'FlinksCapital',
      RequestId,
    });
    assertValid(PendingResponse, {
      FlinksCode: 'OPERATION_PENDING',
      Links: investmentLinks,
      HttpStatusCode: 202,
      Message: 'Your operation is still processing',
      RequestId,
    });
    assertValid(TokenResponse, { HttpStatusCode: 200, Token: RequestId });
    assertValid(FlinksError, {
      HttpStatusCode: 401,
      Message: 'The card number (username) or password provided is invalid',
      FlinksCode: 'INVALID_LOGIN',
      Links: authorizeLinks,
      RequestId,
    });
    assertValid(FlinksError, {
      HttpStatusCode: 400,
      FlinksCode: 'SESSION_NONEXISTENT',
      Message: 'Not found.',
    });
    assertValid(MessageResponse, { HttpStatusCode: 200, Message: 'The login was deleted.' });
  });

  test('GetAccountsDetail and GetAccountsSummary', () => {
    const holder = toFlinksHolder(identity);
    assertValid(AccountsDetailResponse, {
      HttpStatusCode: 200,
      Accounts: [
        toFlinksAccount(account, { transactions: [transaction, salary], holder, withIdentity: true }),
        toFlinksCardAccount(card, { transactions: [cardTransaction], holder }),
      ],
      Login,
      Institution: 'FlinksCapital',
      RequestId,
    });
    const summary = {
      HttpStatusCode: 200,
      Accounts: [toFlinksAccount(account, {}), toFlinksCardAccount(card, {})],
      Login,
      Institution: 'FlinksCapital',
      RequestId,
    };
    assertValid(AccountsSummaryResponse, summary);
    assert.equal(
      Value.Check(AccountsSummaryResponse, {
        ...summary,
        Accounts: [toFlinksAccount(account, { holder })],
      }),
      false,
      'a summary has no holder',
    );
  });

  test('Investments', () => {
    assertValid(InvestmentsResponse, {
      HttpStatusCode: 200,
      Institution: {
        Name: 'FlinksInvestment',
        Id: String(flinksInstitutionOf(institutions[3]!).Id),
        Accounts: [
          toFlinksInvestmentAccount(portfolio, {
            positions: [fund, apple],
            transactions: [buy, sell],
            cash: 0,
          }),
        ],
      },
      Login,
      RequestId,
    });
  });
});
