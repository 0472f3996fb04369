// The Budget Insight / Powens facade driven the way a Powens customer's server drives Powens: the
// flow of docs/compat/powens.md (SPEC §5.8) step by step — connectors and their login form, a
// permanent user, a connection that asks an OTP (form-encoded) answered in JSON, reads with
// integer ids and offset paging, a refused password, a broker's investments, a forced sync, a
// temporary code exchanged, /config with a manage token, another user kept out, deletion — with
// Powens-format webhooks received by a real loopback server; then another client and another
// user on every route, revoked tokens, and bad input, which answers Powens' error body and
// changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import {
  AccessResponse,
  Account,
  AccountList,
  CodeResponse,
  Connection,
  ConnectionList,
  Connector,
  ConnectorList,
  InitResponse,
  InvestmentList,
  PowensError,
  TokenResponse,
  TransactionList,
  User,
} from '../../src/compat/powens/schemas.ts';
import { connectPage } from '../helpers/connect-page.ts';
import { waitForConnection } from '../helpers/connections.ts';
import { buildTestContext, type TestClient, type TestContext } from '../helpers/context.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';

const PUBLIC_URL = 'http://localhost:8080';
const B = '/compat/powens/2.0';

let ctx: TestContext;
let client: TestClient;
let other: TestClient;
let nativeToken: string;
let receiver: Receiver;
let webhookSecret: string;

/** The flow's user, its token, and its OTP connection. */
let userToken: string;
let userId: number;
let otpConnection: number;
let brokerConnection: number;
let accountId: number;

type Json = Record<string, unknown>;

before(async () => {
  ctx = await buildTestContext({ publicUrl: PUBLIC_URL });
  client = await ctx.createClient();
  other = await ctx.createClient();
  nativeToken = await ctx.tokenFor(client);
  receiver = await startReceiver();
  const registered = await ctx.call(nativeToken, {
    method: 'POST',
    url: '/v1/webhook-endpoints',
    payload: { url: receiver.url, format: 'powens' },
  });
  assert.equal(registered.statusCode, 201, registered.body);
  webhookSecret = registered.json().secret;
});
after(async () => {
  await receiver.close();
  await ctx.close();
});

interface Call {
  token?: string;
  /** A form-encoded body (what Powens' curls send with -d). */
  form?: Record<string, string>;
  /** A JSON body, or its raw text. */
  json?: unknown;
  prefix?: string;
}

async function powens(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, call: Call = {}) {
  const headers: Record<string, string> = {};
  if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
  let payload: string | undefined;
  if (call.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(call.form).toString();
  } else if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    payload = typeof call.json === 'string' ? call.json : JSON.stringify(call.json);
  }
  const response = await ctx.app.inject({
    method,
    url: `${call.prefix ?? B}${path}`,
    headers,
    ...(payload !== undefined ? { payload } : {}),
  });
  const text = response.body;
  return {
    status: response.statusCode,
    headers: response.headers,
    // biome-ignore lint/suspicious/noExplicitAny: the answers are checked field by field, and against their schemas.
    json: () => JSON.parse(text) as any,
    text,
  };
}

type Answer = Awaited<ReturnType<typeof powens>>;

/** An inject answer in the shape of `powens`'s. */
const wrap = (response: { statusCode: number; headers: Record<string, unknown>; body: string }): Answer => ({
  status: response.statusCode,
  headers: response.headers as Answer['headers'],
  json: () => JSON.parse(response.body),
  text: response.body,
});

function assertShape(schema: TSchema, value: unknown, what: string) {
  const errors = [...Value.Errors(schema, value)].slice(0, 5);
  assert.deepEqual(errors, [], `${what} does not match its Powens schema`);
}

function assertOk(response: Answer, schema: TSchema, what: string, status = 200) {
  assert.equal(response.status, status, response.text);
  assertShape(schema, response.json(), what);
  return response.json();
}

/** A Powens error: its status, the envelope, its code. */
function assertPowensError(response: Answer, status: number, code: string) {
  assert.equal(response.status, status, response.text);
  const body = response.json();
  assertShape(PowensError, body, `the ${code} error`);
  assert.equal(body.code, code, response.text);
  assert.equal(typeof body.description, 'string');
}

async function newUser(as: TestClient = client): Promise<{ token: string; id: number }> {
  const body = assertOk(
    await powens('POST', '/auth/init', { form: { client_id: as.id, client_secret: as.secret } }),
    InitResponse,
    'the new user',
  );
  return { token: body.auth_token, id: body.id_user };
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still not after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What a client's native view holds: connections, and webhook-visible state. */
async function nativeConnectionCount(token = nativeToken): Promise<number> {
  const response = await ctx.call(token, { url: '/v1/connections?count=true' });
  return response.json().total;
}

const webhooks = () =>
  receiver.received.map((request) => ({ request, body: JSON.parse(request.body) as Json }));

describe('the Powens flow', () => {
  test('1. connectors need no token; connector 59 is the sandbox bank, with its login form', async () => {
    const list = assertOk(await powens('GET', '/connectors'), ConnectorList, 'the connector list');
    assert.ok(
      list.connectors.some((c: Json) => c.id === 59),
      'connector 59 is listed',
    );
    assert.equal(list.total, list.connectors.length);
    assert.ok(
      list.connectors.every((c: Json) => c.fields === undefined),
      'fields only with expand=fields',
    );
    const one = assertOk(await powens('GET', '/connectors/59?expand=fields'), Connector, 'connector 59');
    assert.deepEqual(
      one.fields.map((f: Json) => f.name),
      ['username', 'password'],
    );
    assert.deepEqual(
      one.fields.map((f: Json) => [f.type, f.required, typeof f.regex]),
      [
        ['text', true, 'string'],
        ['password', true, 'string'],
      ],
    );
    assert.equal(one.uuid, '338178e6-3d01-564f-9a7b-52ca442459bf');
    // By UUID, and through Powens' older paths.
    assert.equal((await powens('GET', `/connectors/${one.uuid}`)).json().id, 59);
    const bank = await powens('GET', '/banks/59?expand=fields');
    assert.equal(bank.json().id, 59);
    assert.ok(Array.isArray((await powens('GET', '/banks')).json().banks));
    // The broker's document type is a list field with its values.
    const broker = (await powens('GET', '/connectors/60?expand=fields')).json();
    const documentType = broker.fields.find((f: Json) => f.name === 'document_type');
    assert.equal(documentType.type, 'list');
    assert.ok(documentType.values.some((v: Json) => v.value === 'nif'));
    // country_codes filters.
    assert.equal((await powens('GET', '/connectors?country_codes=FR')).json().total, 0);
    assertPowensError(await powens('GET', '/connectors/999999'), 404, 'connectorNotFound');
  });

  test('2. a permanent user from the client credentials (form-encoded)', async () => {
    const user = await newUser();
    userToken = user.token;
    userId = user.id;
    const me = assertOk(await powens('GET', '/users/me', { token: userToken }), User, 'the user');
    assert.equal(me.id, userId);
    assert.match(me.signin, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    // The same user by its id.
    assert.equal((await powens('GET', `/users/${userId}`, { token: userToken })).json().id, userId);
    // JSON works the same way; a wrong secret is refused.
    const json = await powens('POST', '/auth/init', {
      json: { client_id: client.id, client_secret: client.secret },
    });
    assertOk(json, InitResponse, 'a JSON init');
    assertPowensError(
      await powens('POST', '/auth/init', { form: { client_id: client.id, client_secret: 'wrong' } }),
      401,
      'invalidClient',
    );
    assertPowensError(
      await powens('POST', '/auth/init', { form: { client_id: client.id } }),
      400,
      'missingParameter',
    );
  });

  test('3. a connection that needs an OTP, form-encoded: 201 additionalInformationNeeded with the code field', async () => {
    const created = await powens('POST', '/users/me/connections', {
      token: userToken,
      form: { id_connector: '59', username: 'user_otp', password: 'pass_good' },
    });
    const body = assertOk(created, Connection, 'the new connection', 201);
    assert.equal(body.state, 'additionalInformationNeeded');
    assert.equal(body.error, 'additionalInformationNeeded');
    assert.ok(body.fields.map((f: Json) => f.name).includes('code'));
    assert.equal(body.id_user, userId);
    assert.equal(body.id_connector, 59);
    assert.equal(body.last_update, null);
    assert.equal(typeof body.id, 'number');
    otpConnection = body.id;
    // The native connection carries the user as its external id.
    const native = await ctx.call(nativeToken, { url: `/v1/connections?external_id=powens-user:${userId}` });
    assert.equal(native.json().data.length, 1);
    assert.equal(native.json().data[0].status, 'challenge_required');
  });

  test('4. the additional information in JSON: 200 state null, and the sync goes on to a last_update', async () => {
    const wrong = await powens('POST', `/users/me/connections/${otpConnection}`, {
      token: userToken,
      json: { code: '000000' },
    });
    assertPowensError(wrong, 400, 'wrongpass');
    const answered = await powens('POST', `/users/me/connections/${otpConnection}`, {
      token: userToken,
      json: { code: '123456' },
    });
    const body = assertOk(answered, Connection, 'the answered connection');
    assert.equal(body.state, null);
    assert.equal(body.fields, undefined);
    await until('the first sync', async () => {
      const read = (
        await powens('GET', `/users/me/connections/${otpConnection}`, { token: userToken })
      ).json();
      return read.last_update !== null ? read : undefined;
    });
  });

  test('5. reads: connections with the connector, accounts with integer ids, transactions paged by offset', async () => {
    const list = assertOk(
      await powens('GET', '/users/me/connections?expand=connector', { token: userToken }),
      ConnectionList,
      'the connections',
    );
    assert.equal(list.connections[0].connector.id, 59);
    assert.equal(list.total, 1);
    const accounts = assertOk(
      await powens('GET', '/users/me/accounts', { token: userToken }),
      AccountList,
      'accounts',
    );
    assert.ok(accounts.accounts.length > 0);
    assert.equal(typeof accounts.accounts[0].id, 'number');
    const checking = accounts.accounts.find((a: Json) => a.type === 'checking');
    assert.ok(checking, 'a current account is a checking account');
    assert.equal(checking.id_connection, otpConnection);
    assert.equal(checking.id_user, userId);
    assert.equal(checking.currency.id, 'EUR');
    accountId = checking.id;
    const card = accounts.accounts.find((a: Json) => a.type === 'card');
    assert.ok(card, 'a card is an account of type card');
    // One account, and the connection's accounts, by their integer ids.
    assertOk(
      await powens('GET', `/users/me/accounts/${accountId}`, { token: userToken }),
      Account,
      'one account',
    );
    const ofConnection = await powens('GET', `/users/me/connections/${otpConnection}/accounts`, {
      token: userToken,
    });
    assert.equal(ofConnection.json().total, accounts.total);

    const window = 'min_date=2026-01-01&max_date=2026-12-31';
    const first = assertOk(
      await powens('GET', `/users/me/transactions?${window}&limit=50&offset=0`, { token: userToken }),
      TransactionList,
      'a page of transactions',
    );
    assert.ok(first.total > 50, `total ${first.total}`);
    assert.equal(first.transactions.length, 50);
    const tx = first.transactions[0];
    for (const key of ['rdate', 'original_wording', 'coming', 'value', 'date', 'id_account'])
      assert.ok(Object.hasOwn(tx, key), key);
    assert.ok(
      first.transactions.every(
        (t: Json) => String(t.rdate) >= '2026-01-01' && String(t.rdate) <= '2026-12-31',
      ),
    );
    const dates = first.transactions.map((t: Json) => t.rdate as string);
    assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first');
    const second = await powens('GET', `/users/me/transactions?${window}&limit=50&offset=50`, {
      token: userToken,
    });
    assert.equal(second.json().transactions.length, 50);
    const firstIds = new Set(first.transactions.map((t: Json) => t.id));
    assert.ok(
      second.json().transactions.every((t: Json) => !firstIds.has(t.id)),
      'pages do not overlap',
    );
    // An offset that is not a multiple of the limit is the same window of the same list.
    const shifted = await powens('GET', `/users/me/transactions?${window}&limit=30&offset=35`, {
      token: userToken,
    });
    assert.deepEqual(
      shifted.json().transactions.map((t: Json) => t.id),
      [...first.transactions, ...second.json().transactions].slice(35, 65).map((t: Json) => t.id),
    );
    // Integer ids are stable across reads.
    const again = await powens('GET', `/users/me/transactions?${window}&limit=50&offset=0`, {
      token: userToken,
    });
    assert.deepEqual(
      again.json().transactions.map((t: Json) => t.id),
      first.transactions.map((t: Json) => t.id),
    );
    // Debits only, between -100 and -10.
    const debits = await powens('GET', '/users/me/transactions?income=false&min_value=-100&max_value=-10', {
      token: userToken,
    });
    assert.equal(debits.status, 200, debits.text);
    assert.ok(
      debits
        .json()
        .transactions.every((t: Json) => (t.value as number) <= -10 && (t.value as number) >= -100),
    );
    // Without dates: the last month.
    const recent = (await powens('GET', '/users/me/transactions?limit=1000', { token: userToken })).json();
    const monthAgo = new Date();
    monthAgo.setUTCMonth(monthAgo.getUTCMonth() - 1);
    assert.ok(recent.transactions.length > 0);
    assert.ok(recent.transactions.every((t: Json) => String(t.rdate) >= monthAgo.toISOString().slice(0, 10)));
    // An exact value, either sign.
    const some = first.transactions[0].value as number;
    const exact = (
      await powens('GET', `/users/me/transactions?${window}&value=±${Math.abs(some)}`, { token: userToken })
    ).json();
    assert.ok(exact.transactions.length > 0);
    assert.ok(exact.transactions.every((t: Json) => Math.abs(t.value as number) === Math.abs(some)));
    // One account's transactions are all of that account (an account that has some this year).
    const cash = first.transactions.find((t: Json) => t.nature !== 'card').id_account as number;
    assert.ok(accounts.accounts.some((a: Json) => a.id === cash && a.type !== 'card'));
    const ofAccount = (
      await powens('GET', `/users/me/accounts/${cash}/transactions?${window}&limit=20`, { token: userToken })
    ).json();
    assert.ok(ofAccount.transactions.length > 0);
    assert.ok(ofAccount.transactions.every((t: Json) => t.id_account === cash));
    const ofCard = (
      await powens('GET', `/users/me/accounts/${card.id}/transactions?${window}`, { token: userToken })
    ).json();
    assert.ok(ofCard.transactions.every((t: Json) => t.id_account === card.id && t.nature === 'card'));
  });

  test('6. a wrong password is refused synchronously: 400 wrongpass, and no connection is kept', async () => {
    const before = await nativeConnectionCount();
    const refused = await powens('POST', '/users/me/connections', {
      token: userToken,
      form: { id_connector: '59', username: 'user_good', password: 'nope' },
    });
    assertPowensError(refused, 400, 'wrongpass');
    assert.equal(await nativeConnectionCount(), before);
  });

  test('7. investments from a broker connection', async () => {
    const created = await powens('POST', '/users/me/connections', {
      token: userToken,
      form: { id_connector: '60', document_type: 'nif', username: 'user_good', password: 'pass_good' },
    });
    brokerConnection = assertOk(created, Connection, 'the broker connection', 201).id;
    const investments = await until('the investments', async () => {
      const read = await powens('GET', '/users/me/investments', { token: userToken });
      return read.json().investments?.length > 0 ? read : undefined;
    });
    const body = assertOk(investments, InvestmentList, 'the investments');
    for (const key of ['label', 'code', 'code_type', 'quantity', 'valuation'])
      assert.ok(Object.hasOwn(body.investments[0], key), key);
    // A portfolio is an account of the user whose investments are its own.
    const accounts = (await powens('GET', '/users/me/accounts', { token: userToken })).json().accounts;
    const market = accounts.find((a: Json) => a.id === body.investments[0].id_account);
    assert.ok(market && ['market', 'per'].includes(market.type as string));
    const ofPortfolio = (
      await powens('GET', `/users/me/accounts/${market.id}/investments`, { token: userToken })
    ).json();
    assert.ok(ofPortfolio.investments.every((i: Json) => i.id_account === market.id));
  });

  test('8. a forced sync answers the connection with its accounts and their new transactions', async () => {
    const synced = await powens(
      'PUT',
      `/users/me/connections/${otpConnection}?expand=accounts%5Btransactions%5D`,
      {
        token: userToken,
      },
    );
    const body = assertOk(synced, Connection, 'the synced connection');
    assert.ok(Array.isArray(body.accounts) && body.accounts.length > 0);
    assert.ok(body.accounts.every((a: Json) => Array.isArray(a.transactions)));
    // Everything since a date long ago: every transaction is new.
    const all = await powens(
      'PUT',
      `/users/me/connections/${otpConnection}?expand=accounts%5Btransactions%5D&last_update=2000-01-01%2000:00:00`,
      { token: userToken },
    );
    const count = all
      .json()
      .accounts.reduce((n: number, a: Json) => n + (a.transactions as unknown[]).length, 0);
    assert.ok(count > 50, `${count} transactions`);
  });

  test('9. a temporary code becomes a permanent token for the same user, once', async () => {
    const code = assertOk(
      await powens('GET', '/auth/token/code?type=singleAccess', { token: userToken }),
      CodeResponse,
      'the code',
    );
    assert.equal(code.expires_in, 1800);
    const exchanged = await powens('POST', '/auth/token/access', {
      form: { client_id: client.id, client_secret: client.secret, code: code.code },
    });
    const access = assertOk(exchanged, AccessResponse, 'the access token');
    assert.equal(access.token_type, 'Bearer');
    assert.equal((await powens('GET', '/users/me', { token: access.access_token })).json().id, userId);
    // Used once; another client cannot use a code either.
    assertPowensError(
      await powens('POST', '/auth/token/access', {
        form: { client_id: client.id, client_secret: client.secret, code: code.code },
      }),
      400,
      'invalidValue',
    );
    const second = (await powens('GET', '/auth/token/code', { token: userToken })).json().code;
    assertPowensError(
      await powens('POST', '/auth/token/access', {
        form: { client_id: other.id, client_secret: other.secret, code: second },
      }),
      400,
      'invalidValue',
    );
  });

  test('10. /config with a manage token (scope config)', async () => {
    const token = await powens('POST', '/auth/token', {
      form: {
        grant_type: 'client_credentials',
        client_id: client.id,
        client_secret: client.secret,
        scope: 'config',
      },
    });
    const manage = assertOk(token, TokenResponse, 'the manage token');
    assert.equal(manage.scope, 'config');
    const config = await powens('GET', '/config', { token: manage.access_token });
    assert.equal(config.status, 200, config.text);
    assert.equal(typeof config.json(), 'object');
    const set = await powens('POST', '/config', {
      token: manage.access_token,
      json: { 'connection.disable_new': '1' },
    });
    assert.equal(set.json()['connection.disable_new'], '1');
    assert.equal(
      (await powens('GET', '/config?search=disable', { token: manage.access_token })).json()[
        'connection.disable_new'
      ],
      '1',
    );
    // Another client's config is its own.
    const otherToken = (
      await powens('POST', '/auth/token', {
        form: {
          grant_type: 'client_credentials',
          client_id: other.id,
          client_secret: other.secret,
          scope: 'config',
        },
      })
    ).json().access_token;
    assert.equal(
      (await powens('GET', '/config', { token: otherToken })).json()['connection.disable_new'],
      '0',
    );
    // A user token is not a manage token.
    assertPowensError(await powens('GET', '/config', { token: userToken }), 403, 'forbidden');
    // A manage token of scope `user` reads any user of its client, and every user with `all`.
    const userScope = (
      await powens('POST', '/auth/token', {
        form: {
          grant_type: 'client_credentials',
          client_id: client.id,
          client_secret: client.secret,
          scope: 'user',
        },
      })
    ).json().access_token;
    assertPowensError(await powens('GET', '/config', { token: userScope }), 403, 'forbidden');
    assert.equal((await powens('GET', `/users/${userId}/connections`, { token: userScope })).json().total, 2);
    assert.ok((await powens('GET', '/users/all/accounts', { token: userScope })).json().total > 0);
    assertPowensError(await powens('GET', '/users/me', { token: userScope }), 403, 'forbidden');
  });

  test('11. another user of the same client sees none of this user’s data and changes none', async () => {
    const stranger = await newUser();
    const asStranger = { token: stranger.token };
    for (const path of [
      `/users/me/connections/${otpConnection}`,
      `/users/me/connections/${otpConnection}/accounts`,
      `/users/me/connections/${otpConnection}/transactions`,
    ])
      assertPowensError(await powens('GET', path, asStranger), 404, 'connectionNotFound');
    for (const path of [`/users/me/accounts/${accountId}`, `/users/me/accounts/${accountId}/transactions`])
      assertPowensError(await powens('GET', path, asStranger), 404, 'accountNotFound');
    for (const method of ['PUT', 'DELETE'] as const)
      assertPowensError(
        await powens(method, `/users/me/connections/${otpConnection}`, asStranger),
        404,
        'connectionNotFound',
      );
    assertPowensError(
      await powens('POST', `/users/me/connections/${otpConnection}`, {
        ...asStranger,
        json: { active: false },
      }),
      404,
      'connectionNotFound',
    );
    // Naming the first user's id is not found either.
    assertPowensError(await powens('GET', `/users/${userId}/accounts`, asStranger), 404, 'userNotFound');
    assertPowensError(await powens('DELETE', `/users/${userId}`, asStranger), 404, 'userNotFound');
    assertPowensError(await powens('GET', '/users/all/accounts', asStranger), 403, 'forbidden');
    // Its own lists are empty.
    assert.deepEqual((await powens('GET', '/users/me/accounts', asStranger)).json(), {
      accounts: [],
      total: 0,
    });
    assert.equal(
      (await powens('GET', '/users/me/transactions?min_date=2000-01-01', asStranger)).json().total,
      0,
    );
    assert.equal((await powens('GET', '/users/me/investments', asStranger)).json().total, 0);
    // The first user's connection is untouched.
    const mine = (await powens('GET', `/users/me/connections/${otpConnection}`, { token: userToken })).json();
    assert.equal(mine.active, true);
  });

  test('webhooks: CONNECTION_SYNCED carries the user, the connection, its accounts and transactions', async () => {
    const delivery = await until('CONNECTION_SYNCED', async () =>
      webhooks().find(
        ({ body }) =>
          body.tesoro_event === 'CONNECTION_SYNCED' &&
          (body.connection as Json).id === otpConnection &&
          ((body.connection as Json).accounts as Json[]).some(
            (a) => (a.transactions as unknown[]).length > 0,
          ),
      ),
    );
    receiver.verify(delivery.request, webhookSecret);
    const { body } = delivery;
    assertShape(User, body.user, 'the pushed user');
    assert.equal((body.user as Json).id, userId);
    assertShape(Connection, body.connection, 'the pushed connection');
    assert.equal((body.connection as Json).state, null);
  });

  test('12. delete the connection, then the user: each answers itself; CONNECTION_DELETED and USER_DELETED are pushed', async () => {
    const deleted = await powens('DELETE', `/users/me/connections/${otpConnection}`, { token: userToken });
    assert.equal(assertOk(deleted, Connection, 'the deleted connection').id, otpConnection);
    assertPowensError(
      await powens('GET', `/users/me/connections/${otpConnection}`, { token: userToken }),
      404,
      'connectionNotFound',
    );
    const pushed = await until('CONNECTION_DELETED', async () =>
      webhooks().find(({ body }) => body.tesoro_event === 'CONNECTION_DELETED' && body.id === otpConnection),
    );
    receiver.verify(pushed.request, webhookSecret);
    assert.equal(pushed.body.id_user, userId);
    assert.equal(pushed.body.id_connector, 59, 'the connector the connection was made with');

    const user = await powens('DELETE', '/users/me', { token: userToken });
    assert.equal(assertOk(user, User, 'the deleted user').id, userId);
    // Every connection of the user went with it, and its tokens stop working.
    const native = await ctx.call(nativeToken, { url: `/v1/connections?external_id=powens-user:${userId}` });
    assert.equal(native.json().data.length, 0);
    assertPowensError(await powens('GET', '/users/me', { token: userToken }), 401, 'unauthorized');
    await until('the broker connection’s CONNECTION_DELETED', async () =>
      webhooks().find(
        ({ body }) => body.tesoro_event === 'CONNECTION_DELETED' && body.id === brokerConnection,
      ),
    );
    const gone = await until('USER_DELETED', async () =>
      webhooks().find(({ body }) => body.tesoro_event === 'USER_DELETED' && body.id === userId),
    );
    receiver.verify(gone.request, webhookSecret);
  });
});

describe('tokens, other clients and bad input', () => {
  let token: string;
  let id: number;
  let connection: number;

  before(async () => {
    ({ token, id } = await newUser());
    const created = await powens('POST', `/users/${id}/connections`, {
      token,
      json: { id_connector: 59, username: 'user_good', password: 'pass_good' },
    });
    connection = assertOk(created, Connection, 'a connection (JSON)', 201).id;
  });

  test('a revoked user token is refused; a revoked manage token is refused by the facade', async () => {
    const { token: doomed } = await newUser();
    assert.equal((await powens('DELETE', '/auth/token', { token: doomed })).status, 200);
    assertPowensError(await powens('GET', '/users/me', { token: doomed }), 401, 'unauthorized');
    const manage = (
      await powens('POST', '/auth/token', {
        form: { grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret },
      })
    ).json().access_token;
    assert.equal((await powens('GET', `/users/${id}`, { token: manage })).status, 200);
    assert.equal((await powens('DELETE', '/auth/token', { token: manage })).status, 200);
    assertPowensError(await powens('GET', `/users/${id}`, { token: manage }), 401, 'unauthorized');
    // No token, a token of nobody, a malformed header.
    assertPowensError(await powens('GET', '/users/me'), 401, 'unauthorized');
    assertPowensError(await powens('GET', '/users/me', { token: 'pwt_nothing' }), 401, 'unauthorized');
    assertPowensError(await powens('GET', '/users/me', { token: 'a.b.c' }), 401, 'unauthorized');
  });

  test('another client’s credentials see nothing of this client and change nothing', async () => {
    const manage = (
      await powens('POST', '/auth/token', {
        form: { grant_type: 'client_credentials', client_id: other.id, client_secret: other.secret },
      })
    ).json().access_token;
    const { token: foreign } = await newUser(other);
    for (const as of [manage, foreign]) {
      const user = as === manage ? `${id}` : 'me';
      if (as === manage)
        assertPowensError(await powens('GET', `/users/${id}`, { token: as }), 404, 'userNotFound');
      else {
        for (const path of [`/connections/${connection}`, `/connections/${connection}/transactions`])
          assertPowensError(
            await powens('GET', `/users/${user}${path}`, { token: as }),
            404,
            'connectionNotFound',
          );
        assertPowensError(
          await powens('DELETE', `/users/me/connections/${connection}`, { token: as }),
          404,
          'connectionNotFound',
        );
      }
    }
    assert.equal((await powens('GET', '/users/all/connections', { token: manage })).json().total, 0);
    assert.equal((await powens('GET', '/users/all/accounts', { token: manage })).json().total, 0);
    // A native token of the other client is a manage token of that client only.
    assertPowensError(
      await powens('GET', `/users/${id}/connections/${connection}`, { token: await ctx.tokenFor(other) }),
      404,
      'userNotFound',
    );
    const mine = await powens('GET', `/users/${id}/connections/${connection}`, { token });
    assert.equal(mine.status, 200);
  });

  test('bad input answers Powens’ error body and changes nothing', async () => {
    const before = await nativeConnectionCount();
    const create = (body: Call) => powens('POST', '/users/me/connections', { token, ...body });
    assertPowensError(
      await create({ form: { username: 'user_good', password: 'pass_good' } }),
      400,
      'missingParameter',
    );
    assertPowensError(
      await create({ form: { id_connector: '59', username: 'user_good' } }),
      400,
      'missingParameter',
    );
    assertPowensError(
      await create({ form: { id_connector: 'x59', username: 'a', password: 'b' } }),
      400,
      'invalidValue',
    );
    assertPowensError(
      await create({ form: { id_connector: '4242', username: 'user_good', password: 'pass_good' } }),
      404,
      'connectorNotFound',
    );
    assertPowensError(await create({ json: '{"id_connector": 59,' }), 400, 'invalidValue');
    assertPowensError(
      await create({ json: { id_connector: 59, username: 'has space', password: 'b' } }),
      400,
      'invalidValue',
    );
    assert.equal(await nativeConnectionCount(), before);
    for (const query of [
      'limit=0',
      'limit=abc',
      'limit=5000',
      'offset=-1',
      'min_date=yesterday',
      'min_date=2026-02-30',
      'income=maybe',
      'value=abc',
      'last_update=never',
    ])
      assertPowensError(
        await powens('GET', `/users/me/transactions?${query}`, { token }),
        400,
        'invalidValue',
      );
    assertPowensError(await powens('GET', '/users/me/connections/abc', { token }), 404, 'connectionNotFound');
    assertPowensError(await powens('GET', '/users/me/accounts/999999999', { token }), 404, 'accountNotFound');
    assertPowensError(await powens('GET', '/users/nobody/accounts', { token }), 400, 'invalidValue');
    assertPowensError(
      await powens('POST', `/users/me/connections/${connection}`, { token, json: { active: 'perhaps' } }),
      400,
      'invalidValue',
    );
    assertPowensError(
      await powens('POST', '/auth/token', { form: { client_id: client.id, client_secret: client.secret } }),
      400,
      'missingParameter',
    );
    assertPowensError(
      await powens('POST', '/auth/token', {
        form: {
          grant_type: 'client_credentials',
          client_id: client.id,
          client_secret: client.secret,
          scope: 'everything',
        },
      }),
      400,
      'invalidValue',
    );
    assertPowensError(await powens('GET', '/no/such/path'), 404, 'notFound');
    assertPowensError(await powens('PUT', '/connectors'), 405, 'methodNotAllowed');
    // Nothing changed: the connection is still active and still one.
    assert.equal(await nativeConnectionCount(), before);
    assert.equal((await powens('GET', `/users/me/connections/${connection}`, { token })).json().active, true);
  });

  test('sandbox personas: decoupled then synchronised; an expired password and a down bank refused', async () => {
    const decoupled = await powens('POST', '/users/me/connections', {
      token,
      form: { id_connector: '59', username: 'user_decoupled', password: 'pass_good' },
    });
    const body = assertOk(decoupled, Connection, 'a decoupled connection', 201);
    assert.equal(body.state, 'decoupled');
    const waited = await powens('POST', `/users/me/connections/${body.id}`, {
      token,
      form: { decoupled: '1' },
    });
    assert.equal(waited.status, 200, waited.text);
    await until('the approval', async () => {
      const read = (await powens('GET', `/users/me/connections/${body.id}`, { token })).json();
      return read.state === null ? read : undefined;
    });
    for (const [username, code] of [
      ['user_expired', 'passwordExpired'],
      ['user_down', 'websiteUnavailable'],
    ] as const)
      assertPowensError(
        await powens('POST', '/users/me/connections', {
          token,
          form: { id_connector: '59', username, password: 'pass_good' },
        }),
        400,
        code,
      );
  });

  test('active=false disables the connection and active=true enables it again', async () => {
    const disabled = (
      await powens('POST', `/users/me/connections/${connection}`, { token, form: { active: '0' } })
    ).json();
    assert.equal(disabled.active, false);
    assert.equal(disabled.state, null);
    assertPowensError(
      await powens('PUT', `/users/me/connections/${connection}`, { token }),
      409,
      'connectionLocked',
    );
    const enabled = (
      await powens('POST', `/users/me/connections/${connection}`, { token, json: { active: true } })
    ).json();
    assert.equal(enabled.active, true);
  });

  test('the Budget Insight alias serves the same API in the same envelope', async () => {
    const prefix = '/compat/budget-insight/2.0';
    assert.equal((await powens('GET', '/connectors/59', { prefix })).json().id, 59);
    assert.equal((await powens('GET', '/users/me', { prefix, token })).json().id, id);
    assertPowensError(await powens('GET', '/users/me', { prefix }), 401, 'unauthorized');
    assertPowensError(await powens('GET', '/nothing', { prefix }), 404, 'notFound');
    // A URL the router refuses is answered in Powens' envelope under both prefixes.
    for (const base of ['/compat/powens', '/compat/budget-insight']) {
      const bad = await ctx.app.inject({ method: 'GET', url: `${base}/2.0/users/%E0%A4%A` });
      assert.equal(bad.statusCode, 400, bad.body);
      assert.equal(bad.json().code, 'invalidValue');
    }
    for (const base of ['/compat/powens', '/compat/budget-insight']) {
      const document = await ctx.app.inject({ method: 'GET', url: `${base}/openapi.json` });
      assert.equal(document.statusCode, 200);
      assert.equal(document.json().servers[0].url, `${PUBLIC_URL}${base}`);
      assert.ok(document.json().paths['/2.0/users/{id_user}/connections']);
    }
  });

  test('the webview stand-in: a code opens Tesoro’s Connect page for the user; back with connection_id', async () => {
    const landing = 'http://localhost:3000/powens-landing';
    const put = await ctx.call(nativeToken, {
      method: 'PUT',
      url: '/v1/client/redirect-uris',
      payload: { redirect_uris: [landing] },
    });
    assert.equal(put.statusCode, 200, put.body);
    const code = (await powens('GET', '/auth/token/code', { token })).json().code;
    const query = new URLSearchParams({ client_id: client.id, redirect_uri: landing, code, state: 'xyz' });
    const opened = await ctx.app.inject({ url: `/compat/powens/webview/connect?${query}` });
    assert.equal(opened.statusCode, 302, opened.body);
    const page = connectPage(ctx, String(opened.headers.location));
    const submitted = await page('POST', '/credentials', {
      institution_id: 'ins_sandbox_bank',
      credentials: { username: 'user_good_20', password: 'pass_good' },
    });
    assert.equal(submitted.statusCode, 200, submitted.body);
    await until('the login on the page', async () =>
      (await page('GET', '/progress')).json().state === 'success' ? true : undefined,
    );
    const finished = await page('POST', '/finish');
    const back = new URL(finished.json().redirect_url);
    assert.equal(back.pathname, '/compat/powens/webview/return');
    const returned = await ctx.app.inject({ url: back.pathname + back.search });
    assert.equal(returned.statusCode, 302, returned.body);
    const target = new URL(String(returned.headers.location));
    assert.equal(target.origin + target.pathname, landing);
    assert.equal(target.searchParams.get('state'), 'xyz');
    const connectionId = Number(target.searchParams.get('connection_id'));
    // The connection is the user's.
    const mine = await powens('GET', `/users/me/connections/${connectionId}`, { token });
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.json().id_user, id);
    // The code opened one page; an unregistered redirect URI opens none.
    assertPowensError(
      await ctx.app.inject({ url: `/compat/powens/webview/connect?${query}` }).then(wrap),
      401,
      'unauthorized',
    );
    const fresh = (await powens('GET', '/auth/token/code', { token })).json().code;
    const elsewhere = new URLSearchParams({
      client_id: client.id,
      redirect_uri: 'https://attacker.example/',
      code: fresh,
    });
    assertPowensError(
      await ctx.app.inject({ url: `/compat/powens/webview/connect?${elsewhere}` }).then(wrap),
      400,
      'invalidValue',
    );
  });

  test('subscriptions are empty; documents list the imported statements', async () => {
    assert.deepEqual((await powens('GET', '/users/me/subscriptions', { token })).json(), {
      subscriptions: [],
      total: 0,
    });
    const documents = await powens('GET', '/users/me/documents', { token });
    assert.equal(documents.status, 200, documents.text);
    assert.deepEqual(documents.json(), { documents: [], total: 0 });
  });
});

describe('movements the bank no longer lists (deleted, all)', () => {
  test('deleted=true lists only them, with when; all=true both; by default they are gone', async () => {
    const user = await newUser();
    const created = await powens('POST', '/users/me/connections', {
      token: user.token,
      form: { id_connector: '59', username: 'user_dynamic', password: 'pass_good' },
    });
    assert.equal(created.status, 201, created.text);
    const [connection] = (
      await ctx.call(nativeToken, { url: `/v1/connections?external_id=powens-user:${user.id}` })
    ).json().data;
    // Two refreshes: the first brings pending card holds, the second drops or posts them.
    for (let i = 0; i < 3; i++) {
      await waitForConnection(ctx, nativeToken, connection.id, (c) => c.refresh === null);
      if (i === 2) break;
      const asked = await ctx.call(nativeToken, {
        method: 'POST',
        url: `/v1/connections/${connection.id}/refresh`,
      });
      assert.equal(asked.statusCode, 202, asked.body);
    }
    const window = 'min_date=2000-01-01&max_date=2100-01-01&limit=1000';
    const list = async (extra: string) => {
      const answer = await powens('GET', `/users/me/transactions?${window}${extra}`, { token: user.token });
      assert.equal(answer.status, 200, answer.text);
      return answer.json() as { transactions: Json[]; total: number };
    };
    const live = await list('');
    const deleted = await list('&deleted=true');
    const all = await list('&all=true');
    assert.ok(deleted.transactions.length > 0, 'the vanished holds are listed');
    assert.ok(
      deleted.transactions.every(
        (t) => typeof t.deleted === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(t.deleted as string),
      ),
    );
    assert.ok(live.transactions.every((t) => t.deleted === null));
    const ids = (answer: { transactions: Json[] }) =>
      answer.transactions.map((t) => t.id as number).sort((a, b) => a - b);
    assert.deepEqual(
      ids(all),
      [...ids(live), ...ids(deleted)].sort((a, b) => a - b),
    );
    assert.equal(all.total, live.total + deleted.total);
    assert.ok(!ids(live).some((id) => ids(deleted).includes(id)), 'never both live and deleted');
    // Another user sees none of them.
    const stranger = await newUser();
    assert.deepEqual(
      (await powens('GET', `/users/me/transactions?${window}&deleted=true`, { token: stranger.token })).json()
        .transactions,
      [],
    );
  });
});
