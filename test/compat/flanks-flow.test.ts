// The Flanks facade driven the way a Flanks customer's code drives Flanks: the flow of
// docs/compat/flanks.md (SPEC §2.8) step by step, with the end user played on Tesoro's hosted page
// through the page's own API, then another client's credentials and bad input on every route.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';
import type { FlanksProduct } from '../../src/compat/flanks/map.ts';
import { AllData, CredentialsStatus, flanksRecordSchemas, Link } from '../../src/compat/flanks/schemas.ts';
import { buildTestContext, type TestClient, type TestContext } from '../helpers/context.ts';

const PUBLIC_URL = 'http://localhost:8080';
const CALLBACK = 'http://localhost:3000/callback';

let ctx: TestContext;
let client: TestClient;
let other: TestClient;
let token: string;
let otherToken: string;
let link: string;
let ct: string;
let ct2: string;
let code: string;

type Json = Record<string, unknown>;

before(async () => {
  ctx = await buildTestContext({ publicUrl: PUBLIC_URL });
  client = await ctx.createClient();
  other = await ctx.createClient();
});
after(() => ctx.close());

async function flanks(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  options: { as?: string | null; body?: unknown; headers?: Record<string, string> } = {},
) {
  const as = options.as === undefined ? token : options.as;
  const response = await ctx.app.inject({
    method,
    url: `/compat/flanks${path}`,
    headers: {
      ...(as ? { authorization: `Bearer ${as}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined
      ? { payload: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }
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

/** Asserts the answer validates against the facade's own response schema. */
function assertShape(schema: TSchema, value: unknown, what: string) {
  const errors = [...Value.Errors(schema, value)].slice(0, 5);
  assert.deepEqual(errors, [], `${what} does not match its Flanks schema`);
}

async function tokenOf(credentials: TestClient): Promise<string> {
  const response = await flanks('POST', '/v0/token', {
    as: null,
    body: { client_id: credentials.id, client_secret: credentials.secret, grant_type: 'client_credentials' },
  });
  assert.equal(response.status, 200, response.text);
  return response.json().access_token;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The end user opens a link: the Connect page's API for the session the link opened. */
async function openLink(query: string) {
  const visit = await flanks('GET', `/link?${query}`, { as: null });
  assert.equal(visit.status, 302, visit.text);
  const location = String(visit.headers.location);
  const match = /\/connect\/([^#]+)#(.+)$/.exec(location);
  assert.ok(match, `redirected to the Connect page: ${location}`);
  const [, sessionId, sessionToken] = match;
  return (method: 'GET' | 'POST', path: string, payload?: unknown) =>
    ctx.app.inject({
      method,
      url: `/connect/api/${sessionId}${path}`,
      headers: { authorization: `Bearer ${sessionToken}` },
      ...(payload ? { payload: payload as Json } : {}),
    });
}

/** Follows the Connect page's redirect back through the facade to the link's redirect URI. */
async function backToApp(redirectUrl: string): Promise<URL> {
  const back = new URL(redirectUrl);
  assert.equal(back.origin + back.pathname, `${PUBLIC_URL}/compat/flanks/link/return`);
  const returned = await ctx.app.inject({ url: back.pathname + back.search });
  assert.equal(returned.statusCode, 302, returned.body);
  return new URL(String(returned.headers.location));
}

/** The end user on Tesoro's page: what the harness lines of the flow do, through the page's API. */
async function visitLink(
  query: string,
  login: { institution_id: string; credentials: Record<string, string> },
  answer?: Record<string, string>,
): Promise<URL> {
  const page = await openLink(query);
  const submitted = await page('POST', '/credentials', login);
  assert.equal(submitted.statusCode, 200, submitted.body);
  const progress = () => page('GET', '/progress').then((r) => r.json() as { state: string });
  if (answer) {
    await until(progress, (p) => p.state === 'challenge', 'the challenge');
    assert.equal((await page('POST', '/answer', { answers: answer })).statusCode, 202);
  }
  await until(progress, (p) => p.state === 'success', 'the login');
  const finished = await page('POST', '/finish');
  assert.equal(finished.statusCode, 200, finished.body);
  return backToApp(finished.json().redirect_url);
}

const statusOf = async (credentialsToken: string, as = token) =>
  flanks('POST', '/v0/bank/credentials/status', { as, body: { credentials_token: credentialsToken } });

describe('the Flanks flow', () => {
  test('1. token: client credentials give a Bearer token; bad ones are access_denied', async () => {
    const response = await flanks('POST', '/v0/token', {
      as: null,
      body: { client_id: client.id, client_secret: client.secret, grant_type: 'client_credentials' },
    });
    assert.equal(response.status, 200);
    const body = response.json();
    assert.equal(body.expires_in, 3600);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(typeof body.scope, 'string');
    token = body.access_token;
    otherToken = await tokenOf(other);
    for (const bad of [
      { client_id: 'nope', client_secret: 'nope', grant_type: 'client_credentials' },
      { client_id: client.id, client_secret: 'wrong', grant_type: 'client_credentials' },
      { client_id: client.id, client_secret: client.secret, grant_type: 'password' },
      {},
    ]) {
      const refused = await flanks('POST', '/v0/token', { as: null, body: bad });
      assert.equal(refused.status, 403, JSON.stringify(bad));
      assert.deepEqual(refused.json(), { error: 'access_denied' });
    }
  });

  test('2. entities list every institution and the TestBank', async () => {
    const response = await flanks('GET', '/v0/bank/available');
    assert.equal(response.status, 200);
    const entities = response.json() as Array<Json>;
    const ids = entities.map((entity) => entity.id);
    assert.ok(ids.includes('ins_sandbox_bank'));
    assert.ok(ids.includes('testbank'));
    assert.deepEqual(Object.keys(entities[0]!).sort(), ['alwaysManualRefresh', 'cif', 'id', 'name']);
  });

  test('3. a link', async () => {
    const response = await flanks('POST', '/v0/links/create-link', {
      body: { redirect_uri: CALLBACK, name: 'compat test' },
    });
    assert.equal(response.status, 200, response.text);
    const body = response.json();
    assertShape(Link, body, 'the link');
    assert.equal(body.redirect_uri, CALLBACK);
    assert.equal(body.active, true);
    assert.equal(body.pending_code_count, 0);
    link = body.token;
  });

  test('4. the end user opens the link, logs in with a one-time code and is sent back with a code and the extras', async () => {
    // A visit's own `code` parameter cannot stand in for the real one.
    const back = await visitLink(
      `token=${link}&bank=ins_sandbox_bank&external_id=end-user-42&crm_id=42&code=forged`,
      { institution_id: 'ins_sandbox_bank', credentials: { username: 'user_otp', password: 'pass_good' } },
      { code: '123456' },
    );
    assert.equal(back.origin + back.pathname, CALLBACK);
    assert.match(back.searchParams.get('code') ?? '', /^ccd_/);
    assert.equal(back.searchParams.get('crm_id'), '42');
    code = back.searchParams.get('code')!;
  });

  test('5. the link’s pending codes carry the extras', async () => {
    const response = await flanks('GET', `/v0/platform/link?link_token=${link}`);
    assert.equal(response.status, 200);
    assert.deepEqual(response.json(), [
      { code, extra: { crm_id: '42', external_id: 'end-user-42' }, link_token: link },
    ]);
    const links = (await flanks('GET', '/v0/links/list-links')).json() as Array<Json>;
    assert.equal(links.find((l) => l.token === link)?.pending_code_count, 1);
    // Another company sees none of them.
    assert.deepEqual(
      (await flanks('GET', `/v0/platform/link?link_token=${link}`, { as: otherToken })).json(),
      [],
    );
  });

  test('6. the code is exchanged once for the credentials token', async () => {
    const byOther = await flanks('POST', '/v0/platform/link', { as: otherToken, body: { code } });
    assert.equal(byOther.status, 400);
    assert.deepEqual(byOther.json(), { error: 'Invalid code' });
    const response = await flanks('POST', '/v0/platform/link', { body: { code } });
    assert.equal(response.status, 200, response.text);
    const body = response.json();
    assert.equal(body.message, 'Successfully retrieved');
    assert.deepEqual(body.extra, { crm_id: '42', external_id: 'end-user-42' });
    assert.equal(body.link_token, link);
    ct = body.credentials_token;
    const again = await flanks('POST', '/v0/platform/link', { body: { code } });
    assert.equal(again.status, 400);
    assert.deepEqual(again.json(), { error: 'Invalid code' });
  });

  test('7. the status says pending until the extraction ends', async () => {
    const status = await until(
      () => statusOf(ct).then((r) => r.json()),
      (s) => s.pending === false,
      'the extraction',
    );
    assertShape(CredentialsStatus, status, 'the status');
    assert.equal(status.blocked, false);
    assert.equal(status.name, 'ins_sandbox_bank');
    assert.equal(status.created.product.account, true);
    assert.equal(status.errored.product.account, false);
    assert.deepEqual(status.created.transaction, status.created.transactions);
    assert.deepEqual(status.errored.transaction, status.errored.transactions);
    assert.match(status.last_update, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(status.time, /^\d{2}:\d{2}$/);
    assert.equal(typeof status.last_update_timestamp, 'number');
  });

  test('8. every product, in Flanks’ names', async () => {
    const read = async (path: string, body: Json = { credentials_token: ct }) => {
      const response = await flanks('POST', `/v0/bank/credentials/${path}`, { body });
      assert.equal(response.status, 200, `${path}: ${response.text}`);
      return response.json();
    };
    const products: Array<[string, FlanksProduct]> = [
      ['account', 'account'],
      ['card', 'card'],
      ['liability', 'liability'],
      ['holder', 'holder'],
      ['card/transaction', 'card_transaction'],
      ['liability/transaction', 'liability_transaction'],
    ];
    const answers: Record<string, Json[]> = {};
    for (const [path, product] of products) {
      const records = (await read(path)) as Json[];
      assert.ok(records.length > 0, `${path} is not empty`);
      assertShape(Type.Array(flanksRecordSchemas[product]), records, path);
      answers[path] = records;
    }
    assert.ok(answers.account!.every((a) => typeof a._id === 'string' && 'iban' in a));
    assert.ok('card_id' in answers['card/transaction']![0]! && 'shop' in answers['card/transaction']![0]!);
    assert.ok('liability_id' in answers['liability/transaction']![0]!);
    assert.ok('currencyAmount' in answers['liability/transaction']![0]!);
    // The end user's id makes Flanks' external_id; it is the same on every read.
    const again = (await read('account')) as Json[];
    assert.ok(
      answers.account!.every(
        (a, i) => typeof a.external_id === 'string' && a.external_id === again[i]!.external_id,
      ),
    );

    const identity = await read('auth');
    assertShape(flanksRecordSchemas.auth, identity, 'auth');
    assert.equal(identity._id, ct);
    assert.equal(typeof identity.fullName, 'string');

    // A page of the account transactions filtered with the query object: the same records, in the
    // same order, as the native search with that query.
    const query = { operationDate: { $gte: '2026-01-01' }, amount: { $lt: -50 } };
    const paged = await flanks('POST', '/v0/bank/credentials/data?page=1&page_size=50', {
      body: { credentials_token: ct, query },
    });
    assert.equal(paged.status, 200, paged.text);
    const transactions = paged.json() as Json[];
    assertShape(Type.Array(flanksRecordSchemas.transaction), transactions, 'data');
    assert.ok(transactions.length > 0 && transactions.length <= 50);
    assert.ok(
      transactions.every((t) => (t.amount as number) < -50 && String(t.operationDate) >= '2026-01-01'),
    );
    const native = await ctx.call(token, {
      method: 'POST',
      url: '/v1/transactions/search',
      payload: { connection_id: ct, page_size: 50, query },
    });
    assert.deepEqual(
      transactions.map((t) => t._id),
      (native.json().data as Json[]).map((t) => t.id),
    );
    const second = (
      await flanks('POST', '/v0/bank/credentials/data?page=2&page_size=50', {
        body: { credentials_token: ct, query },
      })
    ).json() as Json[];
    assert.ok(
      second.every((t) => !transactions.some((first) => first._id === t._id)),
      'page 2 follows page 1',
    );

    // Every transaction without paging, and ALL DATA nests them under their accounts.
    const everything = (await read('data')) as Json[];
    const all = await read('all', { credentials_token: [ct] });
    assertShape(AllData, all, 'all');
    assert.deepEqual(all.deposits, []);
    assert.ok(Array.isArray(all.fixedIncome) && Array.isArray(all.bankProducts));
    const nested = (all.accounts as Json[]).flatMap((a) => a.transaction as Json[]);
    assert.equal(nested.length, everything.length);
    assert.deepEqual(new Set(nested.map((t) => t._id)), new Set(everything.map((t) => t._id)));
    assert.deepEqual(await read('all', { credentials_token: ct }), all, 'a single token is an array of one');
  });

  test('9. the list of credentials', async () => {
    const response = await flanks('POST', '/v0/bank/credentials/list', { body: {} });
    assert.equal(response.status, 200);
    const body = response.json();
    assert.equal(body.page, 1);
    assert.equal(body.pages, 1);
    const item = (body.items as Json[]).find((i) => i.credentials_token === ct);
    assert.ok(item);
    assert.equal(item.external_id, 'end-user-42');
    assert.equal(item.bank, 'ins_sandbox_bank');
    assertShape(CredentialsStatus, item.status, 'a listed status');
    const others = (await flanks('POST', '/v0/bank/credentials/list', { as: otherToken, body: {} })).json();
    assert.deepEqual(others.items, []);
  });

  test('10. forcing an SCA and a reset hands out tokens the status shows', async () => {
    const sca = await flanks('PUT', '/v0/bank/credentials/status', {
      body: { credentials_token: ct, force: 'sca' },
    });
    assert.equal(sca.status, 200, sca.text);
    assert.deepEqual(Object.keys(sca.json()), ['sca_token']);
    // The spelling of a public Flanks client library asks for the same, and gets the same token.
    const byAction = await flanks('PUT', '/v0/bank/credentials/status', {
      body: { credentials_token: ct, action: 'force_sca' },
    });
    assert.equal(byAction.json().sca_token, sca.json().sca_token);
    const reset = await flanks('PUT', '/v0/bank/credentials/status', {
      body: { credentials_token: ct, force: 'reset' },
    });
    assert.equal(typeof reset.json().reset_token, 'string');
    const status = (await statusOf(ct)).json();
    assert.equal(status.sca_token, sca.json().sca_token);
    assert.equal(status.reset_token, reset.json().reset_token);
    // The schedule waits for the end user: the native connection says so.
    const native = (await ctx.call(token, { url: `/v1/connections/${ct}` })).json();
    assert.equal(native.needs_user, true);

    // The end user goes through the link with the SCA token: same credentials token, SCA done.
    const back = await visitLink(
      `token=${link}&sca_token=${sca.json().sca_token}`,
      { institution_id: 'ins_sandbox_bank', credentials: { username: 'user_otp', password: 'pass_good' } },
      { code: '123456' },
    );
    const exchanged = (
      await flanks('POST', '/v0/platform/link', { body: { code: back.searchParams.get('code') } })
    ).json();
    assert.equal(exchanged.credentials_token, ct);
    const after = await until(
      () => statusOf(ct).then((r) => r.json()),
      (s) => s.sca_token === null,
      'the SCA token to be used',
    );
    assert.equal(after.reset_token, reset.json().reset_token, 'the reset token is still waiting');
    assert.equal((await ctx.call(token, { url: `/v1/connections/${ct}` })).json().needs_user, false);
  });

  test('11. a broker: portfolios, investments, their transactions and MiFID answers under both spellings', async () => {
    const back = await visitLink(`token=${link}&bank=ins_sandbox_broker&external_id=end-user-42`, {
      institution_id: 'ins_sandbox_broker',
      credentials: { document_type: 'nif', username: 'user_good', password: 'pass_good' },
    });
    ct2 = (
      await flanks('POST', '/v0/platform/link', { body: { code: back.searchParams.get('code') } })
    ).json().credentials_token;
    await until(
      () => statusOf(ct2).then((r) => r.json()),
      (s) => s.pending === false,
      'the broker extraction',
    );
    const paths: Array<[string, FlanksProduct]> = [
      ['portfolio', 'portfolio'],
      ['investment', 'investment'],
      ['investment/transaction', 'investment_transaction'],
      ['investment/transactions', 'investment_transaction'],
      ['mifid/raw', 'mifid'],
    ];
    for (const [path, product] of paths) {
      const response = await flanks('POST', `/v0/bank/credentials/${path}`, {
        body: { credentials_token: ct2 },
      });
      assert.equal(response.status, 200, `${path}: ${response.text}`);
      const records = response.json() as Json[];
      assert.ok(records.length > 0, `${path} is not empty`);
      assertShape(Type.Array(flanksRecordSchemas[product]), records, path);
    }
    const typo = await flanks('POST', '/v0/bank/credencial/mifid/raw', { body: { credentials_token: ct2 } });
    const mifid = typo.json() as Json[];
    assert.equal(typeof mifid[0]!._id, 'number');
    assert.equal(typeof mifid[0]!.question, 'string');
    assert.ok(Array.isArray(mifid[0]!.answer));
    const investments = (
      await flanks('POST', '/v0/bank/credentials/investment', { body: { credentials_token: ct2 } })
    ).json() as Json[];
    assert.ok(investments.every((i) => i.sybtype === i.subtype && Array.isArray(i.country_model)));
    const detail = await flanks('POST', '/v0/bank/credentials/investment/detail', {
      body: { credentials_token: ct2, investment_id: investments[0]!._id },
    });
    assert.equal(detail.status, 200, detail.text);
    assert.equal(detail.json()._id, investments[0]!._id);
    assert.ok(Array.isArray(detail.json().transactions));
    // ALL DATA groups investments by type.
    const all = (
      await flanks('POST', '/v0/bank/credentials/all', { body: { credentials_token: ct2 } })
    ).json();
    const grouped = [
      'funds',
      'stocks',
      'etfs',
      'fixedIncome',
      'pensionPlans',
      'others',
      'bankProducts',
    ].flatMap((key) => all[key] as Json[]);
    assert.ok(grouped.length > 0);
    assert.ok(grouped.every((i) => Array.isArray(i.transaction)));
  });

  test('11b. the same credentials twice are refused; re-created after a delete, every record keeps its external_id', async () => {
    const broker = {
      institution_id: 'ins_sandbox_broker',
      credentials: { document_type: 'nif', username: 'user_good', password: 'pass_good' },
    };
    // Flanks refuses credentials the company already has: the page tells the end user, who gives up.
    const page = await openLink(`token=${link}&bank=ins_sandbox_broker&external_id=end-user-42&crm_id=7`);
    const refused = await page('POST', '/credentials', broker);
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().code, 'CONNECTION_DUPLICATE');
    const cancelled = await page('POST', '/cancel');
    const back = await backToApp(cancelled.json().redirect_url);
    assert.equal(back.searchParams.get('error'), 'CANCELLED');
    assert.equal(back.searchParams.get('crm_id'), '7');
    assert.equal(back.searchParams.get('code'), null);

    const read = async (credentialsToken: string) =>
      (
        await flanks('POST', '/v0/bank/credentials/investment', {
          body: { credentials_token: credentialsToken },
        })
      ).json() as Json[];
    const before = await read(ct2);
    await flanks('DELETE', '/v0/bank/credentials', { body: { credentials_token: ct2 } });
    const again = await visitLink(`token=${link}&bank=ins_sandbox_broker&external_id=end-user-42`, broker);
    const recreated = (
      await flanks('POST', '/v0/platform/link', { body: { code: again.searchParams.get('code') } })
    ).json().credentials_token;
    assert.notEqual(recreated, ct2);
    await until(
      () => statusOf(recreated).then((r) => r.json()),
      (s) => s.pending === false,
      'the second extraction',
    );
    const after = await read(recreated);
    // Lists are in id order, and the ids are the new credentials' own: compare as sets.
    const externalIds = (records: Json[]) => records.map((i) => String(i.external_id)).sort();
    assert.ok(before.length > 0 && before.every((i) => typeof i.external_id === 'string'));
    assert.deepEqual(externalIds(after), externalIds(before));
    const ids = new Set(before.map((i) => i._id));
    assert.ok(
      after.every((i) => !ids.has(i._id)),
      'the record ids are the new credentials’ own',
    );
    ct2 = recreated;
  });

  test('12. a JWE body to the first key of the JWKS is answered like its JSON', async () => {
    const jwks = (await flanks('GET', '/.well-known/jwks.json', { as: null })).json() as { keys: JWK[] };
    const first = jwks.keys[0]!;
    assert.equal(first.use, 'enc');
    const key = await importJWK(first, 'RSA-OAEP-256');
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ credentials_token: ct })))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256CBC-HS512', kid: first.kid })
      .encrypt(key);
    const encrypted = await flanks('POST', '/v0/bank/credentials/status', {
      body: jwe,
      headers: { 'content-type': 'application/jose' },
    });
    assert.equal(encrypted.status, 200, encrypted.text);
    assert.deepEqual(encrypted.json(), (await statusOf(ct)).json());
    const malformed = await flanks('POST', '/v0/bank/credentials/status', {
      body: 'not.a.jwe.at.all',
      headers: { 'content-type': 'application/jose' },
    });
    assert.equal(malformed.status, 400);
    assert.deepEqual(malformed.json(), { error: 'Invalid body' });
  });

  test('13. delete: the credentials and their data are gone', async () => {
    const byOther = await flanks('DELETE', '/v0/bank/credentials', {
      as: otherToken,
      body: { credentials_token: ct },
    });
    assert.equal(byOther.status, 400);
    assert.equal((await statusOf(ct)).status, 200, 'another company cannot delete them');
    const response = await flanks('DELETE', '/v0/bank/credentials', { body: { credentials_token: ct } });
    assert.equal(response.status, 200);
    assert.deepEqual(response.json(), { message: 'Successfully deleted' });
    const after = await statusOf(ct);
    assert.equal(after.status, 400);
    assert.deepEqual(after.json(), { error: 'Invalid credentials_token', code: 40001 });
  });
});

describe('readiness in Flanks’ words', () => {
  /** A connection made natively for the same client: its id is a credentials token like any other. */
  async function created(username: string, settled: (c: Json) => boolean): Promise<string> {
    const response = await ctx.call(token, {
      method: 'POST',
      url: '/v1/connections',
      payload: {
        institution_id: 'ins_sandbox_bank',
        credentials: { username, password: 'pass_good' },
        access_mode: 'recurrent',
      },
    });
    assert.equal(response.statusCode, 201, response.body);
    const id = response.json().id as string;
    await until(
      async () => (await ctx.call(token, { url: `/v1/connections/${id}` })).json(),
      settled,
      `${username} to settle`,
    );
    return id;
  }
  const read = (path: string, body: Json) => flanks('POST', `/v0/bank/credentials/${path}`, { body });

  test('while the first extraction waits for the end user: 202 PROCESSING, the status pending with an sca_token', async () => {
    const id = await created('user_otp', (c) => c.status === 'challenge_required');
    const pending = await read('account', { credentials_token: id });
    assert.equal(pending.status, 202);
    assert.equal(pending.json().error, 'PROCESSING');
    assert.equal(pending.json().code, 20002);
    const partial = await read('account', { credentials_token: id, ignore_data_error: true });
    assert.equal(partial.status, 200);
    assert.deepEqual(partial.json(), []);
    const status = (await statusOf(id)).json();
    assert.equal(status.pending, true);
    assert.equal(status.blocked, false);
    assert.equal(typeof status.sca_token, 'string');
    assert.equal(status.created.product.account, false);
    // Forced while the bank already asked for it, the same token stays after the challenge passes.
    const forced = await flanks('PUT', '/v0/bank/credentials/status', {
      body: { credentials_token: id, force: 'sca' },
    });
    assert.equal(forced.json().sca_token, status.sca_token);
    const answered = await ctx.call(token, {
      method: 'POST',
      url: `/v1/connections/${id}/challenge`,
      payload: { answers: { code: '123456' } },
    });
    assert.ok([200, 202].includes(answered.statusCode), answered.body);
    await until(
      async () => (await ctx.call(token, { url: `/v1/connections/${id}` })).json(),
      (c) => c.status !== 'challenge_required',
      'the challenge to pass',
    );
    assert.equal((await statusOf(id)).json().sca_token, status.sca_token);
  });

  test('a product that failed: 409 INCOMPLETE, errored in the status; the others are served', async () => {
    const id = await created('user_partial', (c) => c.refresh === null && c.status === 'ok');
    const cards = await read('card', { credentials_token: id });
    assert.equal(cards.status, 409);
    assert.equal(cards.json().error, 'INCOMPLETE');
    assert.equal(cards.json().code, 20001);
    assert.equal((await read('card', { credentials_token: id, ignore_data_error: true })).status, 200);
    assert.equal((await read('account', { credentials_token: id })).status, 200);
    const status = (await statusOf(id)).json();
    assert.equal(status.pending, false);
    assert.equal(status.created.product.card, true);
    assert.equal(status.errored.product.card, true);
    assert.equal(status.errored.product.account, false);
  });

  test('a first login that failed: 409 CREDENTIALS_ERROR, never an empty list; blocked with a reset_token', async () => {
    const id = await created('user_locked', (c) => c.status === 'locked' && c.refresh === null);
    const accounts = await read('account', { credentials_token: id });
    assert.equal(accounts.status, 409);
    assert.equal(accounts.json().error, 'CREDENTIALS_ERROR');
    assert.equal(accounts.json().code, 50002);
    const status = (await statusOf(id)).json();
    assert.equal(status.blocked, true);
    assert.equal(typeof status.reset_token, 'string');
    assert.equal(status.sca_token, null, 'a locked login needs a reset, not an SCA');
  });

  test('the token endpoint also takes a form body and HTTP Basic, as the native one does', async () => {
    const form = await ctx.app.inject({
      method: 'POST',
      url: '/compat/flanks/v0/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&client_id=${client.id}&client_secret=${client.secret}`,
    });
    assert.equal(form.statusCode, 200, form.body);
    const basic = await ctx.app.inject({
      method: 'POST',
      url: '/compat/flanks/v0/token',
      headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
      payload: { grant_type: 'client_credentials' },
    });
    assert.equal(basic.statusCode, 200, basic.body);
    assert.equal(basic.json().token_type, 'Bearer');
  });
});

describe('another company and bad input', () => {
  const dataPaths = [
    'status',
    'portfolio',
    'investment',
    'investment/transaction',
    'investment/detail',
    'account',
    'data',
    'liability',
    'liability/transaction',
    'mifid/raw',
    'auth',
    'card',
    'card/transaction',
    'all',
    'holder',
  ];

  test('every credentials route answers another company’s token as an invalid one, and changes nothing', async () => {
    for (const path of dataPaths) {
      const response = await flanks('POST', `/v0/bank/credentials/${path}`, {
        as: otherToken,
        body: { credentials_token: ct2, investment_id: 'inv_x' },
      });
      assert.equal(response.status, 400, path);
      assert.deepEqual(response.json(), { error: 'Invalid credentials_token', code: 40001 }, path);
    }
    for (const force of ['sca', 'reset', 'transaction']) {
      const response = await flanks('PUT', '/v0/bank/credentials/status', {
        as: otherToken,
        body: { credentials_token: ct2, force },
      });
      assert.equal(response.status, 400, force);
    }
    const status = (await statusOf(ct2)).json();
    assert.equal(status.sca_token, null);
    assert.equal(status.reset_token, null);
    assert.equal(status.transaction_token, null);
  });

  test('fields Flanks clients send and Tesoro does not use are accepted; the webhook field is said to be ignored', async () => {
    const response = await flanks('POST', '/v0/bank/credentials/account', {
      body: { credentials_token: ct2, webhook: { url: 'https://example.com/hook' }, client_reference: 'x-1' },
    });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers['tesoro-ignored'], 'webhook');
    const plain = await flanks('POST', '/v0/bank/credentials/account', { body: { credentials_token: ct2 } });
    assert.equal(plain.headers['tesoro-ignored'], undefined);
    assert.deepEqual(response.json(), plain.json());
  });

  test('missing, unknown and mistyped credentials tokens', async () => {
    const missing = await flanks('POST', '/v0/bank/credentials/account', { body: {} });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.json(), { error: 'Missing fields: credentials_token' });
    const unknown = await flanks('POST', '/v0/bank/credentials/account', {
      body: { credentials_token: 'con_nope' },
    });
    assert.deepEqual(unknown.json(), { error: 'Invalid credentials_token', code: 40001 });
    const mistyped = await flanks('POST', '/v0/bank/credentials/account', {
      body: { credentials_token: 42 },
    });
    // A number is read as its text (the validator coerces scalars), which names no credentials.
    assert.equal(mistyped.status, 400);
    assert.equal(mistyped.json().error, 'Invalid credentials_token');
    const listed = await flanks('POST', '/v0/bank/credentials/account', {
      body: { credentials_token: { a: 1 } },
    });
    assert.equal(listed.status, 400);
    assert.deepEqual(listed.json(), { error: 'Invalid credentials_token' });
    const badForce = await flanks('PUT', '/v0/bank/credentials/status', {
      body: { credentials_token: ct2, force: 'everything' },
    });
    assert.equal(badForce.status, 400);
    assert.deepEqual(badForce.json(), { error: 'Invalid force' });
    const noForce = await flanks('PUT', '/v0/bank/credentials/status', { body: { credentials_token: ct2 } });
    assert.deepEqual(noForce.json(), { error: 'Missing fields: force' });
    assert.equal((await statusOf(ct2)).json().sca_token, null, 'nothing was forced');
  });

  test('a query the query engine does not know is refused, not ignored', async () => {
    for (const query of [{ amount: { $regex: 'x' } }, { nope: 1 }, 'amount < 0']) {
      const response = await flanks('POST', '/v0/bank/credentials/data', {
        body: { credentials_token: ct2, query },
      });
      assert.equal(response.status, 400, JSON.stringify(query));
      assert.deepEqual(response.json(), { error: 'Invalid query' });
    }
  });

  test('no token, a bad token, an unknown path and a wrong method get Flanks’ errors', async () => {
    const none = await flanks('POST', '/v0/bank/credentials/account', {
      as: null,
      body: { credentials_token: ct2 },
    });
    assert.equal(none.status, 401);
    assert.deepEqual(none.json(), { error: 'Not authenticated' });
    const bad = await flanks('POST', '/v0/bank/credentials/account', {
      as: 'nope',
      body: { credentials_token: ct2 },
    });
    assert.equal(bad.status, 401);
    assert.deepEqual(bad.json(), { error: 'Invalid credentials' });
    const nowhere = await flanks('POST', '/v0/bank/nowhere', { body: {} });
    assert.equal(nowhere.status, 404);
    assert.deepEqual(nowhere.json(), { error: 'Not found' });
    const wrongMethod = await flanks('GET', '/v0/bank/credentials/account');
    assert.equal(wrongMethod.status, 405);
    assert.deepEqual(wrongMethod.json(), { error: 'Method not allowed' });
    assert.match(String(wrongMethod.headers['content-type']), /^application\/json/);
    // Refused by the router before any route runs: still Flanks' envelope under its prefix.
    const badUrl = await flanks('POST', '/v0/bank/credentials/%zz', { body: {} });
    assert.equal(badUrl.status, 400);
    assert.deepEqual(badUrl.json(), { error: 'Invalid request' });
    const nativeBadUrl = await ctx.app.inject({ url: '/v1/accounts/%zz' });
    assert.equal(nativeBadUrl.json().code, 'MALFORMED_REQUEST');
  });

  test('links of another company cannot be read, changed or visited as theirs', async () => {
    for (const path of ['edit-link', 'delete-link', 'pause-link', 'resume-link']) {
      const response = await flanks('POST', `/v0/links/${path}`, { as: otherToken, body: { token: link } });
      assert.equal(response.status, 400, path);
      assert.deepEqual(response.json(), { error: 'Invalid token' }, path);
    }
    assert.deepEqual((await flanks('GET', '/v0/links/list-links', { as: otherToken })).json(), []);
    const paused = await flanks('POST', '/v0/links/pause-link', { body: { token: link } });
    assert.equal(paused.json().active, false);
    assert.equal((await flanks('GET', `/link?token=${link}`, { as: null })).status, 404);
    await flanks('POST', '/v0/links/resume-link', { body: { token: link } });
    assert.equal((await flanks('GET', `/link?token=${link}`, { as: null })).status, 302);
    const badUri = await flanks('POST', '/v0/links/create-link', {
      body: { redirect_uri: 'http://example.com/x' },
    });
    assert.equal(badUri.status, 400);
    assert.deepEqual(badUri.json(), { error: 'Invalid redirect_uri' });
  });
});

describe('the facade’s documents and switch', () => {
  test('the facade publishes its own OpenAPI document; the native one leaves it out', async () => {
    const document = (await ctx.app.inject({ url: '/compat/flanks/openapi.json' })).json();
    assert.equal(document.openapi, '3.1.0');
    assert.equal(document.servers[0].url, `${PUBLIC_URL}/compat/flanks`);
    for (const path of [
      '/v0/token',
      '/v0/bank/credentials/status',
      '/v0/bank/credentials/all',
      '/v0/platform/link',
    ])
      assert.ok(document.paths[path], path);
    assert.ok(document.paths['/v0/bank/credentials/status'].put);
    assert.ok(document.components.schemas.FlanksCredentialsStatus);
    const native = (await ctx.app.inject({ url: '/openapi.json' })).json();
    assert.ok(Object.keys(native.paths).every((path) => !path.startsWith('/compat/')));
  });

  test('TESORO_COMPAT=none serves no facade', async () => {
    const { buildApp } = await import('../../src/app.ts');
    const bare = await buildApp({
      engine: ctx.engine,
      database: ctx.database,
      keys: ctx.keys,
      registry: ctx.engine.registry,
      logger: ctx.engine.logger,
      publicUrl: PUBLIC_URL,
      compat: 'none',
    });
    const response = await bare.inject({ method: 'POST', url: '/compat/flanks/v0/token', payload: {} });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().code, 'ROUTE_NOT_FOUND');
    await bare.close();
  });
});

describe('the facade and the per-client rate limit', () => {
  test('Flanks calls count against the calling client’s budget and are refused in Flanks’ envelope', async () => {
    const limited = await buildTestContext({ publicUrl: PUBLIC_URL, rateLimitPerMinute: 3 });
    try {
      const credentials = await limited.createClient();
      const bystander = await limited.createClient();
      const tokenOfClient = async (c: TestClient) =>
        (
          await limited.app.inject({
            method: 'POST',
            url: '/compat/flanks/v0/token',
            payload: { client_id: c.id, client_secret: c.secret, grant_type: 'client_credentials' },
          })
        ).json().access_token as string;
      const [mine, theirs] = [await tokenOfClient(credentials), await tokenOfClient(bystander)];
      const entities = (as: string) =>
        limited.app.inject({
          url: '/compat/flanks/v0/bank/available',
          headers: { authorization: `Bearer ${as}` },
        });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await entities(mine)).statusCode);
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const refused = await entities(mine);
      assert.deepEqual(refused.json(), { error: 'Too many requests' });
      assert.ok(Number(refused.headers['retry-after']) > 0);
      // Another client's budget is its own.
      assert.equal((await entities(theirs)).statusCode, 200);
    } finally {
      await limited.close();
    }
  });
});
