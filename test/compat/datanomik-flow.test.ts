// The Datanomik facade driven the way a Datanomik customer's server drives Datanomik: the flow of
// docs/compat/datanomik.md (SPEC §4.8) step by step — Basic auth refused, institutions, a
// recurrent link created and its historical webhook received by a real HTTP receiver, the lists
// and details read as many times as needed, the password sent again (ids kept), an MFA link,
// disable and delete — then another client's credentials on every route and bad input, which
// answer Datanomik's errors and change nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import {
  Account,
  AccountPosition,
  Balance,
  DatanomikError,
  GeneralOwner,
  Institution,
  Investment,
  Link,
  MfaRequired,
  Owner,
  Page,
  SyncAsset,
  Transaction,
  User,
} from '../../src/compat/datanomik/schemas.ts';
import { decodeGuid } from '../../src/compat/shared/guid.ts';
import { rotateClientSecret } from '../../src/services/clients.ts';
import { buildTestContext, type TestClient, type TestContext } from '../helpers/context.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';

const B = '/compat/datanomik';

let ctx: TestContext;
let client: TestClient;
let other: TestClient;
let nativeToken: string;
let receiver: Receiver;
let hookSecret: string;
/** The recurrent link of the flow, its first account and one of its transactions. */
let LINK: string;
let ACC: string;

// biome-ignore lint/suspicious/noExplicitAny: the answers are checked field by field, and against their schemas.
type Json = Record<string, any>;

before(async () => {
  ctx = await buildTestContext();
  client = await ctx.createClient();
  other = await ctx.createClient();
  nativeToken = await ctx.tokenFor(client);
  // 0. (harness) the dashboard's webhook setting: a receiver that records bodies, registered natively.
  receiver = await startReceiver('/datanomik-hooks');
  const registered = await ctx.call(nativeToken, {
    method: 'POST',
    url: '/v1/webhook-endpoints',
    payload: { url: receiver.url, format: 'datanomik' },
  });
  assert.equal(registered.statusCode, 201, registered.body);
  hookSecret = registered.json().secret;
});
after(async () => {
  await receiver.close();
  await ctx.close();
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

interface Call {
  /** The Authorization header; default the client's Basic pair. */
  authorization?: string | null;
  /** A JSON value, or the raw text of the body. */
  body?: unknown;
}

async function dn(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, call: Call = {}) {
  const authorization =
    call.authorization === undefined ? basic(client.id, client.secret) : call.authorization;
  const response = await ctx.app.inject({
    method,
    url: `${B}${path}`,
    headers: {
      ...(authorization !== null ? { authorization } : {}),
      ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(call.body !== undefined
      ? { payload: typeof call.body === 'string' ? call.body : JSON.stringify(call.body) }
      : {}),
  });
  const text = response.body;
  return {
    status: response.statusCode,
    headers: response.headers,
    json: () => JSON.parse(text) as Json,
    text,
  };
}

type Answer = Awaited<ReturnType<typeof dn>>;

function assertShape(schema: TSchema, value: unknown, what: string) {
  const errors = [...Value.Errors(schema, value)].slice(0, 5);
  assert.deepEqual(errors, [], `${what} does not match its Datanomik schema`);
}

/** A Datanomik error: its status, `{code, type, message, trace_id}` with the request id. */
function assertError(response: Answer, status: number, type: string, code = status) {
  assert.equal(response.status, status, response.text);
  const body = response.json();
  assertShape(DatanomikError, body, `the ${type} error`);
  assert.equal(body.type, type, response.text);
  assert.equal(body.code, code);
  assert.equal(body.trace_id, response.headers['x-request-id']);
  assert.ok(String(body.trace_id ?? '').length > 0);
}

/** 200 and a page envelope of items of `schema`. */
function assertPage(response: Answer, schema: TSchema, name: string) {
  assert.equal(response.status, 200, response.text);
  const body = response.json();
  assertShape(Page(schema, name), body, `the ${name} page`);
  return body;
}

async function native(url: string) {
  return (await ctx.call(nativeToken, { url })).json();
}

/** Every native record of a product of a connection (the ground truth the answers are checked against). */
async function nativeAll(product: string, connectionId: string): Promise<Json[]> {
  const out: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: Json = await native(
      `/v1/${product}?connection_id=${connectionId}&page_size=1000&allow_partial=true${cursor ? `&cursor=${cursor}` : ''}`,
    );
    out.push(...page.data);
    cursor = page.has_more ? page.next_cursor : null;
  } while (cursor);
  return out;
}

async function connectionCount(token = nativeToken): Promise<number> {
  return (await ctx.call(token, { url: '/v1/connections?count=true' })).json().total;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The webhook bodies received so far, each verified with the endpoint's secret. */
function hooks(): Json[] {
  return receiver.received.map((request) => {
    receiver.verify(request, hookSecret);
    return JSON.parse(request.body);
  });
}

const waitForHook = (what: string, match: (body: Json) => boolean) =>
  waitFor(what, async () => hooks().find(match));

async function waitActive(link: string) {
  return waitFor(`link ${link} ACTIVE`, async () => {
    const body = (await dn('GET', `/v1/links/${link}`)).json();
    return body.status === 'ACTIVE' && body.accessed_at !== null ? body : undefined;
  });
}

describe('the Datanomik flow (SPEC §4.8)', () => {
  test('1. wrong, missing or another client’s credentials are 401 UNAUTHORIZED', async () => {
    for (const authorization of [
      basic(client.id, 'wrong'),
      basic(client.id, other.secret),
      basic('cli_doesnotexist0000', client.secret),
      null,
      'Bearer abc',
      'Basic !!!',
    ]) {
      const response = await dn('GET', '/v1/links', { authorization });
      assertError(response, 401, 'UNAUTHORIZED');
      const { trace_id: _trace, ...body } = response.json();
      assert.deepEqual(body, { code: 401, type: 'UNAUTHORIZED', message: 'Invalid credentials' });
    }
  });

  test('a rotated secret stops working at once; the new one works', async () => {
    const rotating = await ctx.createClient();
    const pair = basic(rotating.id, rotating.secret);
    assert.equal((await dn('GET', '/v1/links', { authorization: pair })).status, 200);
    const rotated = await rotateClientSecret(ctx.engine.db, rotating.id);
    assertError(await dn('GET', '/v1/links', { authorization: pair }), 401, 'UNAUTHORIZED');
    const fresh = basic(rotating.id, rotated!.clientSecret);
    assert.equal((await dn('GET', '/v1/links', { authorization: fresh })).status, 200);
  });

  test('2. institutions carry the sandbox codes; a recurrent link is created 201 PROCESSING', async () => {
    const institutions = assertPage(
      await dn('GET', '/v1/institutions?page=0&size=50'),
      Institution,
      'Institution',
    );
    const codes = institutions.content.map((i: Json) => i.name);
    for (const code of ['BANCO_SANDBOX', 'SANDBOX_VALORES', 'BANCO_SANDBOX_FIRMA', 'CAJA_SANDBOX_INESTABLE'])
      assert.ok(codes.includes(code), code);
    assert.equal(institutions.page_size, 50);
    assert.equal(institutions.first, true);
    const broker = institutions.content.find((i: Json) => i.name === 'SANDBOX_VALORES');
    assert.equal(broker.type, 'BROKER');
    const created = await dn('POST', '/v1/links', {
      body: {
        institution: 'BANCO_SANDBOX',
        username: 'user_good',
        password: 'pass_good',
        recurrent: true,
        refresh_rate: '1440',
        external_id: 'end-user-42',
        description: 'Test Link',
      },
    });
    assert.equal(created.status, 201, created.text);
    const link = created.json();
    assertShape(Link, link, 'the created link');
    // The answer comes once the bank accepted the login: the history is loading (PROCESSING), or on
    // a fast machine already loaded; the historical webhook (step 3) says when it is.
    assert.ok(['PROCESSING', 'ACTIVE'].includes(link.status), link.status);
    assert.equal(link.recurrent, true);
    assert.equal(link.refresh_rate, '1440');
    assert.equal(link.institution, 'BANCO_SANDBOX');
    assert.equal(link.description, 'Test Link');
    assert.equal(link.source, 'API');
    assert.equal(link.live, false);
    assert.equal(decodeGuid(link.id)?.kind, 'connection');
    LINK = link.id;
    const connection = await native(`/v1/connections/${decodeGuid(LINK)!.id}`);
    assert.equal(connection.access_mode, 'recurrent');
    assert.equal(connection.refresh_interval, '24h');
    assert.equal(connection.external_id, 'end-user-42');
  });

  test('3. until the history is loaded data calls answer 409 LINK_PROCESSING; then the historical webhook', async () => {
    // A link whose first load takes seconds (the sandbox's slow persona), so the 409 is certain.
    const slow = await dn('POST', '/v1/links', {
      body: { institution: 'FLINKSCAPITAL', username: 'test_pending', password: 'Everyday' },
    });
    assert.equal(slow.status, 201, slow.text);
    const slowId = slow.json().id;
    for (const path of [
      `/v1/accounts?linkId=${slowId}`,
      `/v1/transactions?linkId=${slowId}`,
      `/v1/owners?linkId=${slowId}`,
    ])
      assertError(await dn('GET', path), 409, 'LINK_PROCESSING');
    // allowPartial reads what is stored meanwhile.
    assertPage(await dn('GET', `/v1/accounts?linkId=${slowId}&allowPartial=true`), Account, 'Account');

    const historical = await waitForHook(
      'HISTORICAL_UPDATE',
      (b) => b.event === 'HISTORICAL_UPDATE' && b.link_id === LINK,
    );
    assert.equal(historical.institution, 'BANCO_SANDBOX');
    assert.equal(historical.external_id, 'end-user-42');
    assert.ok(historical.data.accounts > 0 && historical.data.transactions > 0, JSON.stringify(historical));
    assert.ok(!Number.isNaN(Date.parse(historical.occurred_at)));
    const link = await waitActive(LINK);
    assert.equal(link.accessed_at, link.acceded_at);
    const changed = await waitForHook(
      'LINK_STATUS_CHANGED',
      (b) => b.event === 'LINK_STATUS_CHANGED' && b.link_id === LINK,
    );
    assert.deepEqual([changed.previous_status, changed.status], ['PROCESSING', 'ACTIVE']);
  });

  test('4. list and detail, as many times as needed', async () => {
    const links = assertPage(await dn('GET', '/v1/links?page=0&size=20'), Link, 'Link');
    assert.equal(links.first, true);
    assert.equal(links.page_size, 20);
    assert.ok(links.content.some((l: Json) => l.id === LINK));
    const recurrentOnly = assertPage(await dn('GET', '/v1/links?recurrent=false'), Link, 'Link');
    assert.ok(recurrentOnly.content.every((l: Json) => l.recurrent === false));
    assert.ok(!recurrentOnly.content.some((l: Json) => l.id === LINK));

    const connectionId = decodeGuid(LINK)!.id;
    const nativeAccounts = await nativeAll('accounts', connectionId);
    const accounts = assertPage(
      await dn('GET', `/v1/accounts?linkId=${LINK}&page=0&size=50`),
      Account,
      'Account',
    );
    assert.equal(accounts.total_elements, nativeAccounts.length);
    const nativeTransactions = await nativeAll('transactions', connectionId);
    // The account with the most transactions, so that its second page of ten has some.
    const countOf = (guid: string) =>
      nativeTransactions.filter((n) => n.account_id === decodeGuid(guid)!.id).length;
    ACC = accounts.content.map((a: Json) => a.id).sort((a: string, b: string) => countOf(b) - countOf(a))[0];
    assert.ok(countOf(ACC) > 10);
    const detail = await dn('GET', `/v1/accounts/${ACC}`);
    assert.equal(detail.status, 200, detail.text);
    const account = detail.json();
    assertShape(Account, account, 'the account');
    assert.equal(account.link_id, LINK);
    const nativeAccount = nativeAccounts.find((a) => a.id === decodeGuid(ACC)!.id)!;
    assert.equal(account.balance.current_balance, Number(nativeAccount.balance));
    assert.equal(account.account_number, nativeAccount.iban);
    assert.equal(account.category, nativeAccount.type === 'current' ? 'CHECKING' : account.category);
    assert.equal(account.owner.document, '77739362Y');
    assert.equal(account.owner.document_type, 'DNI');
    // Filters the compat applies itself.
    const bigger = assertPage(
      await dn(
        'GET',
        `/v1/accounts?linkId=${LINK}&currentBalanceGte=${Number(nativeAccount.balance) + 0.01}`,
      ),
      Account,
      'Account',
    );
    assert.ok(!bigger.content.some((a: Json) => a.id === ACC));
    assert.ok(bigger.content.every((a: Json) => a.balance.current_balance > Number(nativeAccount.balance)));
    const byNumber = assertPage(
      await dn('GET', `/v1/accounts?accountNumber=${nativeAccount.iban}`),
      Account,
      'Account',
    );
    assert.deepEqual(
      byNumber.content.map((a: Json) => a.id),
      [ACC],
    );

    const transactions = assertPage(
      await dn('GET', `/v1/transactions?linkId=${LINK}&page=0&size=100`),
      Transaction,
      'Transaction',
    );
    assert.equal(transactions.page_size, 100);
    assert.equal(transactions.total_elements, nativeTransactions.length);
    assert.equal(transactions.total_pages, Math.ceil(nativeTransactions.length / 100));
    assert.equal(transactions.last, nativeTransactions.length <= 100);
    for (const t of transactions.content) {
      const source = nativeTransactions.find((n) => n.id === decodeGuid(t.id)!.id)!;
      assert.equal(t.amount, Math.abs(source.amount));
      assert.equal(t.type, source.amount < 0 ? 'OUTFLOW' : 'INFLOW');
      assert.equal(t.status, source.pending ? 'PENDING' : 'APPROVED');
      assert.equal(t.date, source.operation_date);
      assert.equal(t.link.id, LINK);
    }
    // The sign filter and the positive amount bounds.
    const outflows = assertPage(
      await dn('GET', `/v1/transactions?linkId=${LINK}&type=OUTFLOW&amountGte=100&size=1000`),
      Transaction,
      'Transaction',
    );
    const expected = nativeTransactions.filter((n) => n.amount <= -100);
    assert.equal(outflows.total_elements, expected.length);
    assert.ok(outflows.content.every((t: Json) => t.type === 'OUTFLOW' && t.amount >= 100));
    const large = assertPage(
      await dn('GET', `/v1/transactions?linkId=${LINK}&amountGte=500&size=1000`),
      Transaction,
      'Transaction',
    );
    assert.equal(large.total_elements, nativeTransactions.filter((n) => Math.abs(n.amount) >= 500).length);

    const window = await dn(
      'GET',
      `/v1/transactions?linkId=${LINK}&accountId=${ACC}&dateFrom=2020-01-01&page=1&size=10`,
    );
    const windowPage = assertPage(window, Transaction, 'Transaction');
    assert.equal(windowPage.page_number, 1);
    assert.equal(windowPage.first, false);
    const ofAccount = nativeTransactions.filter((n) => n.account_id === decodeGuid(ACC)!.id);
    assert.equal(windowPage.total_elements, ofAccount.length);
    assert.deepEqual(
      windowPage.content.map((t: Json) => decodeGuid(t.id)!.id),
      ofAccount.slice(10, 20).map((n) => n.id),
    );
    const TXN = windowPage.content[0].id;
    const txn = await dn('GET', `/v1/transactions/${TXN}`);
    assert.equal(txn.status, 200, txn.text);
    assertShape(Transaction, txn.json(), 'the transaction');
    assert.equal(txn.json().account.id, ACC);
    assert.equal(txn.json().account.account_number, nativeAccount.iban);

    const owners = assertPage(await dn('GET', `/v1/owners?linkId=${LINK}`), Owner, 'Owner');
    assert.ok(owners.content[0].document && owners.content[0].display_name);
    const documents = owners.content.map((o: Json) => o.document);
    assert.equal(new Set(documents).size, documents.length, 'one owner per document in a link');
    const owner = await dn('GET', `/v1/owners/${owners.content[0].id}`);
    assert.equal(owner.status, 200, owner.text);
    assertShape(Owner, owner.json(), 'the owner');

    const users = assertPage(await dn('GET', `/v1/users?linkId=${LINK}`), User, 'User');
    assert.equal(users.content[0].username, 'user_good');
    assert.equal(users.content[0].metadata.document, '77739362Y');
    assert.ok(!JSON.stringify(users).includes('pass_good'));
    const user = await dn('GET', `/v1/users/${users.content[0].id}`);
    assert.equal(user.status, 200, user.text);
    assert.ok(!user.text.includes('pass_good'));

    const position = assertPage(
      await dn('GET', `/v1/accounts/position?linkId=${LINK}`),
      AccountPosition,
      'AccountPosition',
    );
    assert.equal(position.content[0].trx_sync_status, 'PROCESSED');
    assert.equal(position.content[0].account_sync_status, 'PROCESSED');

    const general = assertPage(await dn('GET', '/v1/general-owners'), GeneralOwner, 'GeneralOwner');
    const carmen = general.content.find((g: Json) => g.document === '77739362Y');
    assert.ok(carmen);
    const detailGeneral = await dn('GET', `/v1/general-owners/${carmen.id}`);
    assert.equal(detailGeneral.status, 200, detailGeneral.text);
    assert.equal(detailGeneral.json().document, '77739362Y');

    // One snapshot per account and day, kept when the load ended (today, UTC).
    const today = new Date().toISOString().slice(0, 10);
    const balances = assertPage(await dn('GET', `/v1/balances/history?accountId=${ACC}`), Balance, 'Balance');
    assert.equal(balances.total_elements, 1);
    assert.deepEqual(
      [
        balances.content[0].date,
        balances.content[0].current_balance,
        balances.content[0].account.id,
        balances.content[0].link_id,
      ],
      [today, Number(nativeAccount.balance), ACC, LINK],
    );
    const ofLink = assertPage(
      await dn('GET', `/v1/balances/history?linkId=${LINK}&dateFrom=${today}&dateTo=${today}`),
      Balance,
      'Balance',
    );
    assert.equal(ofLink.total_elements, nativeAccounts.length);
    const before = assertPage(
      await dn('GET', `/v1/balances/history?linkId=${LINK}&dateTo=2000-01-01`),
      Balance,
      'Balance',
    );
    assert.equal(before.total_elements, 0);
    assertError(
      await dn('GET', `/v1/balances/history?dateFrom=${today}&dateTo=2000-01-01`),
      400,
      'INVALID_QUERY_PARAMETER',
    );

    const investments = await dn('GET', `/v1/investments?linkId=${LINK}`);
    assert.equal(investments.status, 200, investments.text);
    assert.ok(Array.isArray(investments.json()));
    // A bank link holds no investments.
    assert.deepEqual(investments.json(), []);

    const sync = await dn('POST', `/v1/links/sync/assets/${LINK}`);
    const asset = assertPage(sync, SyncAsset, 'SyncAsset');
    assert.ok(asset.content[0].accounts.length > 0);
    assert.equal(asset.content[0].users[0].username, 'user_good');
    await waitActive(LINK);
  });

  test('5. the password changed at the bank: PUT keeps the link, account and transaction ids', async () => {
    const connectionId = decodeGuid(LINK)!.id;
    const accountsBefore = (await nativeAll('accounts', connectionId)).map((a) => a.id).sort();
    const transactionsBefore = (await nativeAll('transactions', connectionId)).map((t) => t.id).sort();
    const put = await dn('PUT', `/v1/links/${LINK}`, {
      body: { username: 'user_good', password: 'pass_good' },
    });
    assert.equal(put.status, 200, put.text);
    assertShape(Link, put.json(), 'the updated link');
    assert.equal(put.json().id, LINK);
    // PROCESSING while the load with the new credentials runs; a fast one may have ended already.
    assert.ok(['PROCESSING', 'ACTIVE'].includes(put.json().status), put.text);
    await waitActive(LINK);
    const [latest] = (await native(`/v1/connections/${connectionId}/refreshes`)).data;
    assert.equal(latest.trigger, 'credentials_update');
    assert.equal(latest.status, 'succeeded');
    assert.deepEqual((await nativeAll('accounts', connectionId)).map((a) => a.id).sort(), accountsBefore);
    const after = (await nativeAll('transactions', connectionId)).map((t) => t.id).sort();
    assert.deepEqual(after, transactionsBefore);
    const accounts = assertPage(await dn('GET', `/v1/accounts?linkId=${LINK}`), Account, 'Account');
    assert.ok(accounts.content.some((a: Json) => a.id === ACC));
  });

  test('6. an MFA link: 428 with the link_id and the challenge, then the code', async () => {
    const created = await dn('POST', '/v1/links', {
      body: { institution: 'BANCO_SANDBOX', username: 'user_otp', password: 'pass_good', recurrent: false },
    });
    assert.equal(created.status, 428, created.text);
    const body = created.json();
    assertShape(MfaRequired, body, 'the 428');
    assert.equal(body.type, 'MFA_REQUIRED');
    assert.equal(body.trace_id, created.headers['x-request-id']);
    const OTP = body.link_id;
    assert.equal(decodeGuid(OTP)?.kind, 'connection');
    assert.equal(body.challenge.fields[0].name, 'code');
    assert.equal((await dn('GET', `/v1/links/${OTP}`)).json().status, 'MFA_REQUIRED');
    assertError(
      await dn('POST', `/v1/links/${OTP}/mfa`, { body: { token: '000000' } }),
      401,
      'INVALID_MFA_TOKEN',
    );
    const answered = await dn('POST', `/v1/links/${OTP}/mfa`, { body: { token: '123456' } });
    assert.equal(answered.status, 200, answered.text);
    assertShape(Link, answered.json(), 'the link after the code');
    assert.equal(answered.json().id, OTP);
    assert.equal(answered.json().recurrent, false);
    assert.equal(answered.json().refresh_rate, null);
    assertError(
      await dn('POST', `/v1/links/${OTP}/mfa`, { body: { token: '123456' } }),
      409,
      'MFA_NOT_REQUIRED',
    );
  });

  test('a login the bank refuses is 401 INVALID_INSTITUTION_CREDENTIALS and leaves no link', async () => {
    const before = await connectionCount();
    const refused = await dn('POST', '/v1/links', {
      body: { institution: 'BANCO_SANDBOX', username: 'user_good', password: 'wrong' },
    });
    assertError(refused, 401, 'INVALID_INSTITUTION_CREDENTIALS');
    assert.equal(refused.json().link_status, 'INVALID_CREDENTIALS');
    assert.equal(await connectionCount(), before);
  });

  test('7. disable (data still readable, no bank access), enable, then delete (data removed)', async () => {
    const disabled = await dn('PATCH', `/v1/links/${LINK}`, { body: { status: 'DISABLED' } });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.json().status, 'DISABLED');
    assert.equal((await native(`/v1/connections/${decodeGuid(LINK)!.id}`)).status, 'disabled');
    // "Query retrieved information as many times you need": the stored data stays readable.
    const accounts = assertPage(await dn('GET', `/v1/accounts?linkId=${LINK}`), Account, 'Account');
    assert.ok(accounts.content.length > 0);
    assert.ok(
      assertPage(await dn('GET', `/v1/transactions?linkId=${LINK}`), Transaction, 'Transaction')
        .total_elements > 0,
    );
    // No more access to the bank.
    assertError(await dn('POST', `/v1/links/sync/assets/${LINK}`), 409, 'LINK_DISABLED');
    assertError(
      await dn('PUT', `/v1/links/${LINK}`, { body: { username: 'user_good', password: 'pass_good' } }),
      409,
      'LINK_DISABLED',
    );
    const enabled = await dn('PATCH', `/v1/links/${LINK}`, { body: { status: 'ACTIVE' } });
    assert.equal(enabled.status, 200, enabled.text);
    // Enabled: a fresh load is queued (PROCESSING), unless it already ran.
    assert.ok(['PROCESSING', 'ACTIVE'].includes(enabled.json().status), enabled.text);
    await waitActive(LINK);
    const alias = await dn('POST', `/v1/links/${LINK}/disable`);
    assert.equal(alias.json().status, 'DISABLED');

    const deleted = await dn('DELETE', `/v1/links/${LINK}`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    assertError(await dn('GET', `/v1/links/${LINK}`), 404, 'LINK_NOT_FOUND');
    assertError(await dn('GET', `/v1/accounts?linkId=${LINK}`), 404, 'LINK_NOT_FOUND');
    assertError(await dn('GET', `/v1/accounts/${ACC}`), 404, 'ACCOUNT_NOT_FOUND', 620);
    const gone = await ctx.call(nativeToken, { url: `/v1/connections/${decodeGuid(LINK)!.id}` });
    assert.equal(gone.statusCode, 404);
    assert.equal((await native(`/v1/accounts?external_id=end-user-42`)).data.length, 0);
  });
});

describe('a broker link', () => {
  test('investments are a bare array of Datanomik investments; the position embeds them', async () => {
    const created = await dn('POST', '/v1/links', {
      body: {
        institution: 'SANDBOX_VALORES',
        username: 'user_good',
        password: 'pass_good',
        document_type: 'nif',
      },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.json().id;
    await waitActive(id);
    const response = await dn('GET', `/v1/investments?linkId=${id}`);
    assert.equal(response.status, 200, response.text);
    const list = response.json() as unknown as Json[];
    const nativeInvestments = await nativeAll('investments', decodeGuid(id)!.id);
    assert.equal(list.length, nativeInvestments.length);
    assert.ok(list.length > 0);
    const expectedType: Record<string, string> = {
      F: 'FUND',
      ETF: 'FUND',
      PP: 'FUND',
      VI: 'STOCKS',
      FI: 'BOND',
    };
    for (const item of list) {
      assertShape(Investment, item, 'an investment');
      const source = nativeInvestments.find((n) => n.id === decodeGuid(item.id)!.id)!;
      assert.equal(item.instrument_type, expectedType[source.type] ?? 'COMMITED');
      assert.equal(item.gross_balance, Number(source.balance));
      assert.equal(item.link_id, id);
    }
    const funds = (
      await dn('GET', `/v1/investments?linkId=${id}&instrumentType=FUND`)
    ).json() as unknown as Json[];
    assert.equal(funds.length, list.filter((i) => i.instrument_type === 'FUND').length);
    const history = (await dn('GET', `/v1/investments/history?linkId=${id}`)).json() as unknown as Json[];
    assert.equal(history.length, list.length);
    const position = assertPage(
      await dn('GET', `/v1/accounts/position?linkId=${id}`),
      AccountPosition,
      'AccountPosition',
    );
    const invested = position.content.flatMap((a: Json) => a.investments);
    assert.ok(invested.length > 0, 'the cash account of the portfolios shows their investments');
  });
});

describe('update webhooks', () => {
  test('a refresh of a recurrent link that brings new information sends NEW_INFORMATION_AVAILABLE', async () => {
    const created = await dn('POST', '/v1/links', {
      body: {
        institution: 'BANCO_SANDBOX',
        username: 'user_dynamic',
        password: 'pass_good',
        recurrent: true,
      },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.json().id;
    await waitForHook('its HISTORICAL_UPDATE', (b) => b.event === 'HISTORICAL_UPDATE' && b.link_id === id);
    await waitActive(id);
    const sync = await dn('POST', `/v1/links/sync/assets/${id}`);
    assert.equal(sync.status, 200, sync.text);
    const update = await waitForHook(
      'NEW_INFORMATION_AVAILABLE',
      (b) => b.event === 'NEW_INFORMATION_AVAILABLE' && b.link_id === id,
    );
    assert.ok(update.data.added > 0, JSON.stringify(update));
    assert.equal(typeof update.data.modified, 'number');
    assert.equal(typeof update.data.removed, 'number');
  });
});

describe('another client and bad input', () => {
  let link: string;
  let account: string;
  let transaction: string;
  before(async () => {
    const created = await dn('POST', '/v1/links', {
      body: {
        institution: 'BANCO_SANDBOX',
        username: 'user_good_30',
        password: 'pass_good',
        recurrent: true,
      },
    });
    assert.equal(created.status, 201, created.text);
    link = created.json().id;
    await waitActive(link);
    account = (await dn('GET', `/v1/accounts?linkId=${link}`)).json().content[0].id;
    transaction = (await dn('GET', `/v1/transactions?linkId=${link}`)).json().content[0].id;
  });

  test("another client's credentials reach none of this client's links or data, and change nothing", async () => {
    const as = { authorization: basic(other.id, other.secret) };
    const before = (await dn('GET', `/v1/links/${link}`)).json();
    const notFound: Array<[Parameters<typeof dn>[0], string, unknown, string, number?]> = [
      ['GET', `/v1/links/${link}`, undefined, 'LINK_NOT_FOUND'],
      ['PUT', `/v1/links/${link}`, { username: 'user_good', password: 'pass_good' }, 'LINK_NOT_FOUND'],
      ['PATCH', `/v1/links/${link}`, { status: 'DISABLED' }, 'LINK_NOT_FOUND'],
      ['POST', `/v1/links/${link}/disable`, undefined, 'LINK_NOT_FOUND'],
      ['POST', `/v1/links/${link}/mfa`, { token: '123456' }, 'LINK_NOT_FOUND'],
      ['DELETE', `/v1/links/${link}`, undefined, 'LINK_NOT_FOUND'],
      ['POST', `/v1/links/sync/assets/${link}`, undefined, 'LINK_NOT_FOUND'],
      ['POST', `/v1/links/sync/assets?linkId=${link}`, undefined, 'LINK_NOT_FOUND'],
      ['GET', `/v1/accounts?linkId=${link}`, undefined, 'LINK_NOT_FOUND'],
      ['GET', `/v1/accounts/position?linkId=${link}`, undefined, 'LINK_NOT_FOUND'],
      ['GET', `/v1/accounts/${account}`, undefined, 'ACCOUNT_NOT_FOUND', 620],
      ['GET', `/v1/transactions?linkId=${link}`, undefined, 'LINK_NOT_FOUND'],
      ['GET', `/v1/transactions/${transaction}`, undefined, 'TRANSACTION_NOT_FOUND'],
      ['GET', `/v1/owners?linkId=${link}`, undefined, 'LINK_NOT_FOUND'],
      ['GET', `/v1/users?linkId=${link}`, undefined, 'LINK_NOT_FOUND'],
      ['GET', `/v1/balances/history?linkId=${link}`, undefined, 'LINK_NOT_FOUND'],
      ['GET', `/v1/balances/history?accountId=${account}`, undefined, 'ACCOUNT_NOT_FOUND', 620],
      ['GET', `/v1/transactions?accountId=${account}`, undefined, 'ACCOUNT_NOT_FOUND', 620],
      ['GET', `/v1/owners?accountId=${account}`, undefined, 'ACCOUNT_NOT_FOUND', 620],
      ['GET', `/v1/investments?linkId=${link}`, undefined, 'LINK_NOT_FOUND'],
      ['GET', `/v1/investments/history?linkId=${link}`, undefined, 'LINK_NOT_FOUND'],
    ];
    for (const [method, path, body, type, code] of notFound)
      assertError(await dn(method, path, { ...as, body }), 404, type, code);
    // The other client's own lists hold nothing of this client's.
    for (const path of [
      '/v1/links',
      '/v1/accounts',
      '/v1/transactions',
      '/v1/owners',
      '/v1/users',
      '/v1/general-owners',
      '/v1/balances/history',
    ]) {
      const page = (await dn('GET', path, as)).json();
      assert.equal(page.total_elements, 0, path);
    }
    assert.deepEqual((await dn('GET', '/v1/investments', as)).json(), []);
    // The owner, user and general owner ids of this client are not found either.
    const owner = (await dn('GET', `/v1/owners?linkId=${link}`)).json().content[0].id;
    assertError(await dn('GET', `/v1/owners/${owner}`, as), 404, 'OWNER_NOT_FOUND');
    const user = (await dn('GET', `/v1/users?linkId=${link}`)).json().content[0].id;
    assertError(await dn('GET', `/v1/users/${user}`, as), 404, 'USER_NOT_FOUND');
    const general = (await dn('GET', '/v1/general-owners')).json().content[0].id;
    assertError(await dn('GET', `/v1/general-owners/${general}`, as), 404, 'OWNER_NOT_FOUND');
    // This client's secret under the other's id, and the other's under this one's: 401 on every route.
    for (const authorization of [basic(other.id, client.secret), basic(client.id, other.secret)])
      for (const [method, path] of [
        ['GET', `/v1/links/${link}`],
        ['DELETE', `/v1/links/${link}`],
        ['GET', `/v1/accounts/${account}`],
        ['GET', `/v1/transactions?linkId=${link}`],
        ['POST', '/v1/links'],
        ['POST', '/v1/transactions'],
      ] as const)
        assertError(
          await dn(method, path, { authorization, body: method === 'POST' ? {} : undefined }),
          401,
          'UNAUTHORIZED',
        );
    // Nothing changed.
    const after = (await dn('GET', `/v1/links/${link}`)).json();
    assert.deepEqual(after, before);
    assert.equal((await native(`/v1/connections/${decodeGuid(link)!.id}`)).status, 'ok');
  });

  test('bad input answers Datanomik’s error body and changes nothing', async () => {
    const connections = await connectionCount();
    const handles = await ctx.database.db
      .selectFrom('compat_handles')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const body = (b: unknown) => ({ body: b });
    const badBodies: Array<[Parameters<typeof dn>[0], string, unknown]> = [
      ['POST', '/v1/links', '{"institution": "BANCO_SANDBOX",'],
      ['POST', '/v1/links', { institution: 'BANCO_SANDBOX', username: 'user_good' }],
      ['POST', '/v1/links', { institution: 'BANCO_SANDBOX', username: 'user_good', password: {} }],
      [
        'POST',
        '/v1/links',
        { institution: 'BANCO_SANDBOX', username: 'user_good', password: 'pass_good', recurrent: 'yes' },
      ],
      [
        'POST',
        '/v1/links',
        {
          institution: 'BANCO_SANDBOX',
          username: 'user_good',
          password: 'pass_good',
          recurrent: true,
          refresh_rate: 'daily',
        },
      ],
      ['POST', '/v1/links', { institution: 'SANDBOX_VALORES', username: 'user_good', password: 'pass_good' }],
      ['PUT', `/v1/links/${link}`, { username: 'user_good' }],
      ['PATCH', `/v1/links/${link}`, { status: 'PAUSED' }],
      ['POST', `/v1/links/${link}/mfa`, '[1,'],
      ['POST', '/v1/transactions', { account_id: account }],
      [
        'POST',
        '/v1/transactions',
        [{ account_id: account, date: 'today', type: 'IN', amount: -1, external_id: 'x' }],
      ],
    ];
    for (const [method, path, payload] of badBodies)
      assertError(await dn(method, path, body(payload)), 400, 'INVALID_REQUEST_BODY', 456);
    assertError(
      await dn(
        'POST',
        '/v1/links',
        body({ institution: 'NO_SUCH_BANK', username: 'user_good', password: 'pass_good' }),
      ),
      404,
      'INSTITUTION_NOT_FOUND',
    );
    for (const query of [
      'page=-1',
      'page=abc',
      'size=0',
      'size=1001',
      'linkId=not-a-uuid',
      'accountId=123',
      'dateFrom=2026-13-45',
      'type=SIDEWAYS',
      'amountGte=-5',
    ])
      assertError(await dn('GET', `/v1/transactions?${query}`), 400, 'INVALID_QUERY_PARAMETER');
    assertError(await dn('GET', '/v1/accounts?updateAtFrom=yesterday'), 400, 'INVALID_QUERY_PARAMETER');
    assertError(await dn('GET', '/v1/links?status=SLEEPING'), 400, 'INVALID_QUERY_PARAMETER');
    // An id that is not one of Datanomik's UUIDs names nothing; another kind's UUID neither.
    assertError(await dn('GET', '/v1/links/not-a-uuid'), 404, 'LINK_NOT_FOUND');
    assertError(await dn('GET', `/v1/links/${account}`), 404, 'LINK_NOT_FOUND');
    assertError(await dn('GET', `/v1/accounts/${link}`), 404, 'ACCOUNT_NOT_FOUND', 620);
    assertError(
      await dn('GET', '/v1/transactions/00000000-0000-8000-8000-000000000000'),
      404,
      'TRANSACTION_NOT_FOUND',
    );
    assertError(await dn('DELETE', '/v1/links/12345'), 404, 'LINK_NOT_FOUND');
    // Unknown paths and methods.
    assertError(await dn('GET', '/v1/payments'), 404, 'NOT_FOUND');
    assertError(await dn('DELETE', '/v1/accounts'), 405, 'METHOD_NOT_ALLOWED');
    // Nothing was created, changed or removed.
    assert.equal(await connectionCount(), connections);
    const after = await ctx.database.db
      .selectFrom('compat_handles')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(handles.n));
    const stored = (await dn('GET', `/v1/links/${link}`)).json();
    assert.equal(stored.status, 'ACTIVE');
    assert.equal((await native(`/v1/connections/${decodeGuid(link)!.id}`)).status, 'ok');
  });

  test('manual transactions: 201 MANUAL, positive amount and its type, idempotent by external_id, then listed', async () => {
    const items = [
      {
        account_id: account,
        date: '2026-01-02',
        type: 'OUTFLOW',
        amount: 12.5,
        external_id: 'm-1',
        description: 'Cash',
      },
      {
        account_id: account,
        date: '2026-01-03',
        type: 'INFLOW',
        amount: 40,
        external_id: 'm-2',
        reference: 'R-2',
      },
    ];
    const created = await dn('POST', '/v1/transactions', { body: items });
    assert.equal(created.status, 201, created.text);
    const list = created.json() as unknown as Json[];
    assert.equal(list.length, 2);
    for (const item of list) assertShape(Transaction, item, 'a manual transaction');
    assert.deepEqual(
      list.map((t) => [t.mode, t.type, t.amount, t.date, t.account.id]),
      [
        ['MANUAL', 'OUTFLOW', 12.5, '2026-01-02', account],
        ['MANUAL', 'INFLOW', 40, '2026-01-03', account],
      ],
    );
    const nativeRow = await native(`/v1/transactions/${decodeGuid(list[0]!.id)!.id}`);
    assert.equal(nativeRow.amount, -12.5);
    // The same external id again is the same transaction.
    const again = await dn('POST', '/v1/transactions', { body: [{ ...items[0], amount: 13 }] });
    assert.equal(again.status, 201, again.text);
    assert.equal((again.json() as unknown as Json[])[0]!.id, list[0]!.id);
    assert.equal((again.json() as unknown as Json[])[0]!.amount, 13);
    const listed = (await dn('GET', `/v1/transactions?linkId=${link}&accountId=${account}&size=1000`)).json();
    const manual = listed.content.filter((t: Json) => t.mode === 'MANUAL');
    assert.equal(manual.length, 2);
    // Another client's account is not found, and nothing is written.
    assertError(
      await dn('POST', '/v1/transactions', { body: items, authorization: basic(other.id, other.secret) }),
      404,
      'ACCOUNT_NOT_FOUND',
      620,
    );
  });

  test('the facade’s OpenAPI document validates the answers’ schemas and needs no credentials', async () => {
    const document = await ctx.app.inject({ url: `${B}/openapi.json` });
    assert.equal(document.statusCode, 200);
    assert.ok(document.json().paths['/v1/links/{id}'].put);
  });
});
