// The Flinks facade driven the way a Flinks customer's server drives Flinks: the flow of
// docs/compat/flinks.md (SPEC §3.8) step by step — the investments flow of Flinks' own guide
// (cached Authorize, /Investments answered 202 OPERATION_PENDING and polled until 200, its body
// with the missing comma), the login that Flinks Connect makes, the 203 challenge answered, the
// banking calls with the …Async poll, the 401s — then the Connect stand-in, Flinks-format
// webhooks, another client's credentials on every route and bad input, which changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { buildApp } from '../../src/app.ts';
import {
  AccountsDetailResponse,
  AccountsSummaryResponse,
  AuthorizeResponse,
  ChallengeResponse,
  FlinksError,
  InstitutionsResponse,
  InvestmentsResponse,
  PendingResponse,
  TokenResponse,
} from '../../src/compat/flinks/schemas.ts';
import { decodeGuid } from '../../src/compat/shared/guid.ts';
import { connectPage } from '../helpers/connect-page.ts';
import { waitForConnection } from '../helpers/connections.ts';
import { buildTestContext, type TestClient, type TestContext } from '../helpers/context.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';

const PUBLIC_URL = 'http://localhost:8080';
const LANDING = 'http://localhost:3000/flinks-landing';
const PROMPT = 'What city were you born in?';

let ctx: TestContext;
let client: TestClient;
let other: TestClient;
let nativeToken: string;
/** The investments login (FlinksInvestment, answered MFA) and the banking one (no MFA). */
let login: string;
let bankLogin: string;
let bankRequestId: string;

type Json = Record<string, unknown>;

before(async () => {
  ctx = await buildTestContext({ publicUrl: PUBLIC_URL });
  client = await ctx.createClient();
  other = await ctx.createClient();
  nativeToken = await ctx.tokenFor(client);
});
after(() => ctx.close());

interface Call {
  /** Which customerId the path names; default the client's. */
  customer?: string;
  /** `flinks-auth-key` (a secret key or an authorize token). */
  authKey?: string;
  /** `x-api-key`. */
  apiKey?: string;
  /** A JSON value, or the raw text of the body. */
  body?: unknown;
  app?: FastifyInstance;
}

async function flinks(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, call: Call = {}) {
  const response = await (call.app ?? ctx.app).inject({
    method,
    url: path.startsWith('/compat') ? path : `/compat/flinks/v3/${call.customer ?? client.id}${path}`,
    headers: {
      ...(call.authKey !== undefined ? { 'flinks-auth-key': call.authKey } : {}),
      ...(call.apiKey !== undefined ? { 'x-api-key': call.apiKey } : {}),
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
    // biome-ignore lint/suspicious/noExplicitAny: the answers are checked field by field, and against their schemas.
    json: () => JSON.parse(text) as any,
    text,
  };
}

const banking = (op: string) => `/BankingServices/${op}`;

function assertShape(schema: TSchema, value: unknown, what: string) {
  const errors = [...Value.Errors(schema, value)].slice(0, 5);
  assert.deepEqual(errors, [], `${what} does not match its Flinks schema`);
}

/** A Flinks error: its status, the envelope's fields, its FlinksCode. */
function assertFlinksError(
  response: { status: number; json(): Json; text: string },
  status: number,
  code: string,
) {
  assert.equal(response.status, status, response.text);
  const body = response.json();
  assertShape(FlinksError, body, `the ${code} error`);
  assert.equal(body.HttpStatusCode, status);
  assert.equal(body.FlinksCode, code, response.text);
  assert.equal(typeof body.Message, 'string');
}

async function authorizeToken(as: TestClient = client): Promise<string> {
  const response = await flinks('POST', banking('GenerateAuthorizeToken'), {
    customer: as.id,
    authKey: as.secret,
  });
  assert.equal(response.status, 200, response.text);
  assertShape(TokenResponse, response.json(), 'the authorize token');
  return response.json().Token;
}

async function authorize(body: Json, as: TestClient = client) {
  return flinks('POST', banking('Authorize'), { customer: as.id, authKey: await authorizeToken(as), body });
}

/** Polls a data call every few ms (Flinks: every 10 s) until it stops answering 202. */
async function poll(call: () => ReturnType<typeof flinks>, requestId: string) {
  const deadline = Date.now() + 120_000;
  let pending = 0;
  for (;;) {
    const response = await call();
    if (response.status !== 202) return { response, pending };
    const body = response.json();
    assertShape(PendingResponse, body, 'the 202');
    assert.equal(body.FlinksCode, 'OPERATION_PENDING');
    assert.equal(body.Message, 'Your operation is still processing');
    assert.equal(body.RequestId, requestId);
    pending += 1;
    if (Date.now() > deadline) throw new Error('still pending after 120 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function connectionCount(): Promise<number> {
  const response = await ctx.call(nativeToken, { url: '/v1/connections?count=true' });
  return response.json().total;
}

describe('the Flinks flow', () => {
  test('1. GenerateAuthorizeToken: the secret key gives a GUID token; a wrong key is ACCESS_DENIED', async () => {
    const token = await authorizeToken();
    assert.equal(decodeGuid(token)?.kind, 'handle');
    for (const call of [
      { authKey: 'wrong' },
      {},
      { authKey: other.secret },
      { customer: 'cli_doesnotexist0000', authKey: client.secret },
    ])
      assertFlinksError(await flinks('POST', banking('GenerateAuthorizeToken'), call), 401, 'ACCESS_DENIED');
  });

  test('2. a new investments login with MFA answers 203 with the security question', async () => {
    const token = await authorizeToken();
    const body = {
      Institution: 'FlinksInvestment',
      Username: 'Greatday',
      Password: 'Everyday',
      MostRecentCached: false,
      Save: true,
    };
    const response = await flinks('POST', banking('Authorize'), { authKey: token, body });
    assert.equal(response.status, 203, response.text);
    const answer = response.json();
    assertShape(ChallengeResponse, answer, 'the 203');
    assert.equal(answer.HttpStatusCode, 203);
    assert.deepEqual(
      answer.SecurityChallenges.map((c: Json) => [c.Type, c.Prompt]),
      [['QuestionAndAnswer', PROMPT]],
    );
    assert.equal(decodeGuid(answer.RequestId)?.kind, 'handle');
    // The token was used once.
    assertFlinksError(
      await flinks('POST', banking('Authorize'), { authKey: token, body }),
      401,
      'ACCESS_DENIED',
    );

    // 3. The answers, by the Prompt: no new token, the RequestId carries the session.
    const requestId = answer.RequestId;
    const respond = (responses: Json) =>
      flinks('POST', banking('Authorize'), { body: { RequestId: requestId, SecurityResponses: responses } });
    assertFlinksError(await respond({ 'What is your name?': ['x'] }), 401, 'QUESTION_NOT_FOUND');
    const wrong = await respond({ [PROMPT]: ['Toronto'] });
    assertFlinksError(wrong, 401, 'INVALID_SECURITY_RESPONSE');
    assert.equal(wrong.json().RequestId, requestId);
    const right = await respond({ [PROMPT]: ['Montreal'] });
    assert.equal(right.status, 200, right.text);
    assertShape(AuthorizeResponse, right.json(), 'the 200 after the answer');
    login = right.json().Login.Id;
    assert.equal(decodeGuid(login)?.kind, 'connection');
    assert.equal(right.json().Login.Username, 'Greatday');
    assert.equal(right.json().Login.IsScheduledRefresh, true);
  });

  test('4–5. the guide: a cached session on the loginId, then /Investments polled from 202 to 200', async () => {
    const opened = await authorize({ LoginId: login, MostRecentCached: true });
    assert.equal(opened.status, 200, opened.text);
    const session = opened.json();
    assertShape(AuthorizeResponse, session, 'the cached Authorize');
    assert.deepEqual(session.Links, [{ rel: 'InvestmentsDetail', href: '/Investments', example: null }]);
    assert.deepEqual(session.Institution, { Id: 999999999, Name: 'FlinksInvestment' });
    assert.equal(session.Login.Id, login);
    const requestId = session.RequestId;
    const body = { LoginId: login, RequestId: requestId, MostRecentCached: true };
    const { response } = await poll(
      () => flinks('POST', banking('Investments'), { apiKey: client.secret, body }),
      requestId,
    );
    assert.equal(response.status, 200, response.text);
    // The data is served as soon as it is stored; the login's LastRefresh is set when its refresh
    // ends. Compare answers once it has, so they cannot differ by that alone.
    await waitForConnection(ctx, nativeToken, decodeGuid(login)!.id, (c) => c.refresh === null);
    const investments = (
      await flinks('POST', banking('Investments'), { apiKey: client.secret, body })
    ).json();
    assertShape(InvestmentsResponse, investments, 'the Investments answer');
    assert.equal(investments.Institution.Name, 'FlinksInvestment');
    assert.ok(investments.Institution.Accounts.length > 0);
    const positions = investments.Institution.Accounts.flatMap((a: Json) => a.Positions as Json[]);
    assert.ok(positions.length > 0, 'positions listed');
    // The same call on Flinks' wealth path answers the same.
    const wealth = await flinks('POST', '/Investments', { apiKey: client.secret, body });
    assert.equal(wealth.status, 200, wealth.text);
    assert.deepEqual(wealth.json(), investments);
    // The guide's own body, with its missing comma, is understood too.
    const printed = `{\n"LoginId":"${login}",\n"RequestId":"${requestId}"\n"MostRecentCached": true\n}`;
    const seed = await flinks('POST', banking('Investments'), { apiKey: client.secret, body: printed });
    assert.equal(seed.status, 200, seed.text);
    assert.deepEqual(seed.json(), investments);
    // A body broken some other way is INVALID_REQUEST.
    assertFlinksError(
      await flinks('POST', banking('Investments'), { apiKey: client.secret, body: '{"RequestId": }' }),
      400,
      'INVALID_REQUEST',
    );
  });

  test('6. a banking login without MFA; GetAccountsDetail from 202 to 200 through the …Async poll', async () => {
    const created = await authorize({
      Institution: 'FlinksCapital',
      Username: 'test_pending',
      Password: 'Everyday',
      MostRecentCached: false,
      Save: true,
    });
    assert.equal(created.status, 200, created.text);
    assertShape(AuthorizeResponse, created.json(), 'the new banking login');
    assert.equal(created.json().Institution, 'FlinksCapital');
    assert.equal(created.json().InstitutionId, 14);
    bankLogin = created.json().Login.Id;
    const opened = await authorize({ LoginId: bankLogin, MostRecentCached: true });
    assert.equal(opened.status, 200, opened.text);
    assert.deepEqual(
      opened.json().Links.map((l: Json) => l.rel),
      ['AccountsDetail', 'AccountsSummary', 'Statements'],
    );
    bankRequestId = opened.json().RequestId;
    // The login has just been made: its first extraction (a long one) is still running.
    const first = await flinks('POST', banking('GetAccountsDetail'), {
      apiKey: client.secret,
      body: {
        RequestId: bankRequestId,
        WithTransactions: true,
        WithKYC: true,
        DaysOfTransactions: 'Days365',
      },
    });
    assert.equal(first.status, 202, first.text);
    const { response } = await poll(
      () => flinks('GET', banking(`GetAccountsDetailAsync/${bankRequestId}`), { apiKey: client.secret }),
      bankRequestId,
    );
    assert.equal(response.status, 200, response.text);
    const detail = response.json();
    assertShape(AccountsDetailResponse, detail, 'GetAccountsDetail');
    assert.equal(detail.RequestId, bankRequestId);
    const account = detail.Accounts.find((a: Json) => (a.Transactions as Json[]).length > 0);
    assert.ok(account, 'an account with transactions');
    assert.ok(account.Balance && 'Current' in account.Balance);
    assert.ok(account.Holder?.Name, 'WithKYC: the holder');
    for (const tx of account.Transactions as Json[]) {
      assert.ok(
        (tx.Debit === null) !== (tx.Credit === null),
        `one of Debit and Credit: ${JSON.stringify(tx)}`,
      );
      assert.ok(((tx.Debit ?? tx.Credit) as number) >= 0);
    }
    // Pending movements are not listed; every transaction is within the 365 days asked.
    const oldest = new Date(Date.now() - 366 * 86_400_000).toISOString().slice(0, 10);
    assert.ok(
      detail.Accounts.every((a: Json) =>
        (a.Transactions as Json[]).every((t) => (t.Date as string) >= oldest),
      ),
    );
    const summary = await flinks('POST', banking('GetAccountsSummary'), {
      apiKey: client.secret,
      body: { RequestId: bankRequestId },
    });
    assert.equal(summary.status, 200, summary.text);
    assertShape(AccountsSummaryResponse, summary.json(), 'GetAccountsSummary');
    assert.ok(summary.json().Accounts.every((a: Json) => !('Transactions' in a) && !('Holder' in a)));
    assert.deepEqual(
      summary.json().Accounts.map((a: Json) => a.Id),
      detail.Accounts.map((a: Json) => a.Id),
    );
    // AccountsFilter: only the accounts named.
    const filtered = await flinks('POST', banking('GetAccountsDetail'), {
      apiKey: client.secret,
      body: { RequestId: bankRequestId, AccountsFilter: [account.Id] },
    });
    assert.deepEqual(
      filtered.json().Accounts.map((a: Json) => a.Id),
      [account.Id],
    );
  });

  test('7. error paths: SESSION_NONEXISTENT, INVALID_LOGIN, DISABLED_LOGIN, RETRY_LATER', async () => {
    assertFlinksError(
      await flinks('POST', banking('GetAccountsDetail'), {
        apiKey: client.secret,
        body: { RequestId: '00000000-0000-8000-8000-000000000000' },
      }),
      400,
      'SESSION_NONEXISTENT',
    );
    const before = await connectionCount();
    const cases: Array<[string, string, string]> = [
      ['Greatday', 'wrong', 'INVALID_LOGIN'],
      ['test_disabled_account', 'Everyday', 'DISABLED_LOGIN'],
      ['test_service_unavailable', 'Everyday', 'RETRY_LATER'],
    ];
    for (const [username, password, code] of cases) {
      const refused = await authorize({
        Institution: 'FlinksCapital',
        Username: username,
        Password: password,
        MostRecentCached: false,
      });
      assertFlinksError(refused, 401, code);
    }
    // A refused new login gives no LoginId, so nothing is kept for it.
    assert.equal(await connectionCount(), before);
    assertFlinksError(
      await authorize({ LoginId: '5e115eac-1209-4f19-641c-08d6d484e2fe', MostRecentCached: true }),
      401,
      'INVALID_LOGIN',
    );
  });

  test('a new login whose security answers are all wrong is not kept', async () => {
    const before = await connectionCount();
    const asked = await authorize({
      Institution: 'FlinksCapital',
      Username: 'Greatday',
      Password: 'Everyday',
    });
    assert.equal(asked.status, 203, asked.text);
    const requestId = asked.json().RequestId;
    let answer: Awaited<ReturnType<typeof flinks>>;
    do {
      answer = await flinks('POST', banking('Authorize'), {
        body: { RequestId: requestId, SecurityResponses: { [PROMPT]: ['Toronto'] } },
      });
      assertFlinksError(answer, 401, 'INVALID_SECURITY_RESPONSE');
    } while (!/Too many/.test(answer.json().Message));
    assert.equal(await connectionCount(), before);
  });

  test('SetScheduledRefresh switches the nightly refresh off and on, keeping the login', async () => {
    const set = (IsActivated: boolean) =>
      flinks('PATCH', banking('SetScheduledRefresh'), {
        apiKey: client.secret,
        body: { LoginId: bankLogin, IsActivated },
      });
    assert.equal((await set(false)).status, 200);
    const native = await ctx.call(nativeToken, { url: `/v1/connections/${decodeGuid(bankLogin)!.id}` });
    assert.equal(native.json().scheduled_refresh, false);
    assert.equal(native.json().access_mode, 'recurrent');
    const session = await authorize({ LoginId: bankLogin, MostRecentCached: true });
    assert.equal(session.json().Login.IsScheduledRefresh, false);
    assert.equal((await set(true)).status, 200);
    const again = await authorize({ LoginId: bankLogin, MostRecentCached: true });
    assert.equal(again.json().Login.IsScheduledRefresh, true);
  });

  test('Institutions: by name and Flinks id; productType=investment lists investment institutions only', async () => {
    const all = await flinks('GET', banking('Institutions'), { apiKey: client.secret });
    assert.equal(all.status, 200, all.text);
    assertShape(InstitutionsResponse, all.json(), 'Institutions');
    const names = all.json().Institutions.map((i: Json) => i.Name);
    assert.ok(names.includes('FlinksCapital') && names.includes('FlinksInvestment'));
    const investment = await flinks('GET', `${banking('Institutions')}?productType=investment`, {
      apiKey: client.secret,
    });
    const investmentNames = investment.json().Institutions.map((i: Json) => i.Name);
    assert.ok(investmentNames.includes('FlinksInvestment'));
    assert.ok(!investmentNames.includes('FlinksCapital'));
    assert.ok(investmentNames.length < names.length);
  });

  test('a live Authorize on a LoginId refreshes first; data calls wait for that refresh', async () => {
    const live = await authorize({ LoginId: bankLogin, MostRecentCached: false });
    assert.equal(live.status, 200, live.text);
    const requestId = live.json().RequestId;
    const { response } = await poll(
      () =>
        flinks('POST', banking('GetAccountsSummary'), {
          apiKey: client.secret,
          body: { RequestId: requestId },
        }),
      requestId,
    );
    assert.equal(response.status, 200, response.text);
    // The summary is read after the refresh the session named: the login's last refresh is it.
    const native = await ctx.call(nativeToken, {
      url: `/v1/connections/${decodeGuid(bankLogin)!.id}/refreshes`,
    });
    assert.equal(native.json().data[0].status, 'succeeded');
  });
});

describe('the Flinks Connect stand-in', () => {
  test('the iframe URL opens the hosted page; success comes back with ?loginId= and the institution', async () => {
    const put = await ctx.call(nativeToken, {
      method: 'PUT',
      url: '/v1/client/redirect-uris',
      payload: { redirect_uris: [LANDING] },
    });
    assert.equal(put.statusCode, 200, put.body);
    const token = await authorizeToken();
    const query = new URLSearchParams({ redirectUrl: LANDING, authorizeToken: token });
    const opened = await flinks('GET', `/compat/flinks/connect?${query}`);
    assert.equal(opened.status, 302, opened.text);
    const page = connectPage(ctx, String(opened.headers.location));
    const submitted = await page('POST', '/credentials', {
      institution_id: 'ins_sandbox_flinks_capital',
      credentials: { username: 'greatday_nomfa', password: 'Everyday' },
    });
    assert.equal(submitted.statusCode, 200, submitted.body);
    const deadline = Date.now() + 60_000;
    while ((await page('GET', '/progress')).json().state !== 'success') {
      assert.ok(Date.now() < deadline, 'the login on the page');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const finished = await page('POST', '/finish');
    assert.equal(finished.statusCode, 200, finished.body);
    const back = new URL(finished.json().redirect_url);
    assert.equal(back.pathname, '/compat/flinks/connect/return');
    const returned = await ctx.app.inject({ url: back.pathname + back.search });
    assert.equal(returned.statusCode, 302, returned.body);
    const landing = new URL(String(returned.headers.location));
    assert.equal(landing.origin + landing.pathname, LANDING);
    assert.equal(landing.searchParams.get('institution'), 'FlinksCapital');
    const loginId = landing.searchParams.get('loginId')!;
    assert.equal(decodeGuid(loginId)?.kind, 'connection');
    const session = await authorize({ LoginId: loginId, MostRecentCached: true });
    assert.equal(session.status, 200, session.text);
    // The token opened one page; an unregistered redirect URL opens none.
    assertFlinksError(await flinks('GET', `/compat/flinks/connect?${query}`), 401, 'ACCESS_DENIED');
    const elsewhere = new URLSearchParams({
      redirectUrl: 'https://attacker.example/steal',
      authorizeToken: await authorizeToken(),
    });
    assertFlinksError(await flinks('GET', `/compat/flinks/connect?${elsewhere}`), 400, 'INVALID_REQUEST');
  });
});

describe('Flinks-format webhooks', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  test('an endpoint in the flinks format receives the GetAccountsDetail body, signed', async () => {
    const registered = await ctx.call(nativeToken, {
      method: 'POST',
      url: '/v1/webhook-endpoints',
      payload: { url: receiver.url, format: 'flinks' },
    });
    assert.equal(registered.statusCode, 201, registered.body);
    const { secret } = registered.json();
    const created = await authorize({
      Institution: 'FlinksCapital',
      Username: 'greatday_nomfa',
      Password: 'Everyday',
      MostRecentCached: false,
    });
    assert.equal(created.status, 200, created.text);
    const loginId = created.json().Login.Id;
    await receiver.waitFor(1, 60_000);
    const delivery = receiver.received[0]!;
    receiver.verify(delivery, secret);
    const body = JSON.parse(delivery.body);
    assert.equal(body.ResponseType, 'GetAccountsDetail');
    assert.equal(body.Login.Id, loginId);
    const { ResponseType: _type, ...detail } = body;
    assertShape(AccountsDetailResponse, detail, 'the pushed body');
    assert.ok(body.Accounts.some((a: Json) => (a.Transactions as Json[]).length > 0));
    // Its RequestId is a session the receiver can read more with.
    const summary = await flinks('POST', banking('GetAccountsSummary'), {
      apiKey: client.secret,
      body: { RequestId: body.RequestId },
    });
    assert.equal(summary.status, 200, summary.text);
  });
});

describe('another client and bad input', () => {
  test("another client's credentials reach none of this client's logins or sessions", async () => {
    // Another client's key on this client's customerId.
    for (const [method, path, body] of [
      ['POST', banking('GetAccountsDetail'), { RequestId: bankRequestId }],
      ['GET', banking(`GetAccountsDetailAsync/${bankRequestId}`), undefined],
      ['POST', banking('Investments'), { RequestId: bankRequestId }],
      ['DELETE', banking(`DeleteCard/${bankLogin}`), undefined],
      ['GET', banking('Institutions'), undefined],
    ] as const)
      assertFlinksError(await flinks(method, path, { apiKey: other.secret, body }), 401, 'ACCESS_DENIED');
    // The other client, properly authenticated, naming this client's ids.
    const as = { customer: other.id, apiKey: other.secret };
    assertFlinksError(
      await flinks('POST', banking('GetAccountsDetail'), { ...as, body: { RequestId: bankRequestId } }),
      400,
      'SESSION_NONEXISTENT',
    );
    assertFlinksError(
      await flinks('GET', banking(`GetAccountsSummaryAsync/${bankRequestId}`), as),
      400,
      'SESSION_NONEXISTENT',
    );
    assertFlinksError(await flinks('DELETE', banking(`DeleteCard/${bankLogin}`), as), 401, 'INVALID_LOGIN');
    assertFlinksError(
      await flinks('DELETE', '/Investments', { ...as, body: { LoginId: login } }),
      401,
      'INVALID_LOGIN',
    );
    assertFlinksError(
      await flinks('POST', '/Investments', { ...as, body: { LoginId: login, RequestId: bankRequestId } }),
      400,
      'SESSION_NONEXISTENT',
    );
    // Another client's authorize token opens no Connect page for this client.
    const connect = new URLSearchParams({
      redirectUrl: LANDING,
      authorizeToken: await authorizeToken(other),
      customerId: client.id,
    });
    assertFlinksError(await flinks('GET', `/compat/flinks/connect?${connect}`), 401, 'ACCESS_DENIED');
    assertFlinksError(
      await flinks('PATCH', banking('SetScheduledRefresh'), {
        ...as,
        body: { LoginId: bankLogin, IsActivated: false },
      }),
      401,
      'INVALID_LOGIN',
    );
    assertFlinksError(
      await authorize({ LoginId: bankLogin, MostRecentCached: true }, other),
      401,
      'INVALID_LOGIN',
    );
    const answer = await flinks('POST', banking('Authorize'), {
      customer: other.id,
      body: { RequestId: bankRequestId, SecurityResponses: { [PROMPT]: ['Montreal'] } },
    });
    assertFlinksError(answer, 400, 'SESSION_NONEXISTENT');
    // This client's login is untouched.
    const session = await authorize({ LoginId: bankLogin, MostRecentCached: true });
    assert.equal(session.status, 200);
    assert.equal(session.json().Login.IsScheduledRefresh, true);
  });

  test('bad input is INVALID_REQUEST in Flinks’ envelope and changes nothing', async () => {
    const before = await connectionCount();
    const token = await authorizeToken();
    const bad: Array<[string, unknown]> = [
      [banking('Authorize'), {}],
      [banking('Authorize'), { Institution: 'NoSuchBank', Username: 'a', Password: 'b' }],
      [banking('Authorize'), { LoginId: bankLogin, MostRecentCached: 'maybe' }],
      [banking('Authorize'), '{"LoginId": '],
      [banking('GetAccountsDetail'), {}],
      [banking('GetAccountsDetail'), { RequestId: bankRequestId, DaysOfTransactions: 'Days7' }],
      [banking('GetAccountsDetail'), { RequestId: bankRequestId, DateFrom: 'yesterday' }],
    ];
    for (const [path, body] of bad) {
      const headers = path.endsWith('Authorize') ? { authKey: token } : { apiKey: client.secret };
      assertFlinksError(await flinks('POST', path, { ...headers, body }), 400, 'INVALID_REQUEST');
    }
    // None of those used the authorize token, and nothing was created.
    const used = await flinks('POST', banking('Authorize'), {
      authKey: token,
      body: { LoginId: bankLogin, MostRecentCached: true },
    });
    assert.equal(used.status, 200, used.text);
    assert.equal(await connectionCount(), before);
    const unknown = await flinks('POST', banking('NoSuchOperation'), { apiKey: client.secret, body: {} });
    assertFlinksError(unknown, 404, 'INVALID_REQUEST');
    const method = await flinks('GET', banking('Authorize'));
    assertFlinksError(method, 405, 'INVALID_REQUEST');
    assertFlinksError(
      await flinks('PATCH', banking('SetScheduledRefresh'), {
        apiKey: client.secret,
        body: { LoginId: bankLogin },
      }),
      400,
      'INVALID_REQUEST',
    );
  });

  test('a login is deleted with all its data (DeleteCard, or the investments delete), then unknown', async () => {
    for (const id of [login, bankLogin]) {
      const deleted =
        id === login
          ? await flinks('DELETE', '/Investments', { apiKey: client.secret, body: { LoginId: id } })
          : await flinks('DELETE', banking(`DeleteCard/${id}`), { apiKey: client.secret });
      assert.equal(deleted.status, 200, deleted.text);
      assert.equal(deleted.json().HttpStatusCode, 200);
      assertFlinksError(await authorize({ LoginId: id, MostRecentCached: true }), 401, 'INVALID_LOGIN');
      const native = await ctx.call(nativeToken, { url: `/v1/connections/${decodeGuid(id)!.id}` });
      assert.equal(native.statusCode, 404);
    }
  });
});

describe('legacy integrations without headers', () => {
  let legacy: FastifyInstance;
  let legacyClient: TestClient;
  /** The same server (database, keys, workers), started with another environment. */
  const appWith = (env: Record<string, string>) =>
    buildApp({
      engine: ctx.engine,
      database: ctx.database,
      keys: ctx.keys,
      registry: ctx.engine.registry,
      logger: ctx.engine.logger,
      publicUrl: PUBLIC_URL,
      env,
    });
  before(async () => {
    legacyClient = await ctx.createClient();
    legacy = await appWith({ TESORO_COMPAT_FLINKS_LEGACY_AUTH: legacyClient.id });
  });
  after(() => legacy.close());

  test('a setting that names no client id stops the server at start', async () => {
    await assert.rejects(
      appWith({ TESORO_COMPAT_FLINKS_LEGACY_AUTH: `${legacyClient.id},everyone` }),
      /Not a Tesoro client id.*TESORO_COMPAT_FLINKS_LEGACY_AUTH: everyone/,
    );
  });

  test('the guide’s curls replay exactly as printed, for a listed client only', async () => {
    const created = await authorize(
      {
        Institution: 'FlinksInvestment',
        Username: 'greatday_nomfa',
        Password: 'Everyday',
        MostRecentCached: false,
      },
      legacyClient,
    );
    assert.equal(created.status, 200, created.text);
    const loginId = created.json().Login.Id;
    const call = (path: string, body: string, customer = legacyClient.id) =>
      flinks('POST', path, { app: legacy, customer, body });
    const opened = await call(banking('Authorize'), `{\n"LoginId":"${loginId}",\n"MostRecentCached":true\n}`);
    assert.equal(opened.status, 200, opened.text);
    const requestId = opened.json().RequestId;
    const printed = `{\n"LoginId":"${loginId}",\n"RequestId":"${requestId}"\n"MostRecentCached": true\n}`;
    const { response } = await poll(() => call(banking('Investments'), printed), requestId);
    assert.equal(response.status, 200, response.text);
    // Without headers, a client that is not listed is refused, on the same server.
    assertFlinksError(
      await call(
        banking('Authorize'),
        JSON.stringify({ LoginId: loginId, MostRecentCached: true }),
        client.id,
      ),
      401,
      'ACCESS_DENIED',
    );
    // Calls that name no login or session still need their key or token.
    assertFlinksError(await call(banking('GenerateAuthorizeToken'), ''), 401, 'ACCESS_DENIED');
    assertFlinksError(
      await call(
        banking('Authorize'),
        JSON.stringify({ Institution: 'FlinksCapital', Username: 'greatday_nomfa', Password: 'Everyday' }),
      ),
      401,
      'ACCESS_DENIED',
    );
    assertFlinksError(
      await flinks('GET', banking('Institutions'), { app: legacy, customer: legacyClient.id }),
      401,
      'ACCESS_DENIED',
    );
    // A header that is sent is checked even for a listed client.
    assertFlinksError(
      await flinks('POST', banking('Investments'), {
        app: legacy,
        customer: legacyClient.id,
        apiKey: 'wrong',
        body: printed,
      }),
      401,
      'ACCESS_DENIED',
    );
  });
});
