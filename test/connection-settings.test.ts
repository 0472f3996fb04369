// The native gaps the vendor facades need, through the API: changing a connection's settings
// (PATCH), asking for a new login (reauthenticate), a first login that failed answering reads with
// its error, refusing duplicate credentials on request, and counting the connections list.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queueDueRefreshes } from '../src/jobs/schedule-refreshes.ts';
import { createSession, setRedirectUris, submitCredentials } from '../src/services/connect.ts';
import { findDuplicateConnection } from '../src/services/connections.ts';
import { findSession } from '../src/store/connect-sessions.ts';
import {
  type ConnectionBody,
  connect,
  createConnection,
  getConnection,
  good,
  waitForConnection,
} from './helpers/connections.ts';
import { buildTestContext, TEST_ISSUER, type TestClient, type TestContext } from './helpers/context.ts';

let ctx: TestContext;
let client: TestClient;
let token: string;

before(async () => {
  ctx = await buildTestContext();
  client = await ctx.createClient();
  token = await ctx.tokenFor(client);
});
after(() => ctx.close());

const patch = (id: string, payload: Record<string, unknown>, as = token) =>
  ctx.call(as, { method: 'PATCH', url: `/v1/connections/${id}`, payload });

const reauthenticate = (id: string, as = token) =>
  ctx.call(as, { method: 'POST', url: `/v1/connections/${id}/reauthenticate` });

/** What started each refresh of the connection, newest first. */
const triggersOf = async (id: string): Promise<string[]> =>
  (await ctx.call(token, { url: `/v1/connections/${id}/refreshes` }))
    .json()
    .data.map((r: { trigger: string }) => r.trigger);

/** Small sandbox logins (user_good_<N>: N transactions), one username per test. */
let logins = 0;
const small = (institution = 'ins_sandbox_bank') => good(`user_good_${10 + ++logins}`, institution);

/** What PATCH may change, and what shows it changed. */
const settingsOf = (c: ConnectionBody) => ({
  access_mode: c.access_mode,
  refresh_interval: c.refresh_interval,
  products: c.products,
  history_days: c.history_days,
  product_status: c.product_status,
  has_credentials: c.has_credentials,
  next_refresh_at: c.next_refresh_at,
  updated_at: c.updated_at,
});

describe('PATCH /v1/connections/{id}', () => {
  test('changes history_days, refresh_interval and products, and answers the connection as GET shows it', async () => {
    const connection = await connect(ctx, token, { ...small(), products: ['accounts', 'transactions'] });
    assert.equal(connection.status, 'ok');
    const response = await patch(connection.id, {
      history_days: 90,
      refresh_interval: '7d',
      products: ['accounts', 'cards'],
    });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.deepEqual(await getConnection(ctx, token, connection.id), body);
    assert.equal(body.history_days, 90);
    assert.equal(body.refresh_interval, '7d');
    assert.deepEqual(body.products, ['accounts', 'cards']);
    // Kept, added (not created yet), and the removed one gone from the list and its status.
    assert.equal(body.product_status.accounts.created, true);
    assert.deepEqual([body.product_status.cards.created, body.product_status.cards.errored], [false, false]);
    assert.equal(body.product_status.transactions, undefined);
    assert.equal(body.refresh, null, 'no refresh unless asked for');
    // The schedule follows the new interval, from the last refresh.
    assert.equal(
      new Date(body.next_refresh_at).getTime() - new Date(body.last_refresh_at).getTime(),
      7 * 86_400_000,
    );
    // The removed product's records stay stored and readable.
    const transactions = await ctx.call(token, { url: `/v1/transactions?connection_id=${connection.id}` });
    assert.equal(transactions.statusCode, 200, transactions.body);
    assert.ok(transactions.json().data.length > 0);
  });

  test('refresh: true queues a refresh that extracts the products added', async () => {
    const connection = await connect(ctx, token, { ...small(), products: ['accounts'] });
    const response = await patch(connection.id, { products: ['accounts', 'cards'], refresh: true });
    assert.equal(response.statusCode, 200, response.body);
    assert.ok(response.json().refresh, 'the refresh is shown in flight');
    const refreshed = await waitForConnection(ctx, token, connection.id);
    assert.equal(refreshed.status, 'ok');
    assert.deepEqual(
      [refreshed.product_status.cards!.created, refreshed.product_status.cards!.errored],
      [true, false],
    );
    assert.deepEqual(await triggersOf(connection.id), ['manual', 'initial']);
  });

  test('to single: no schedule and no credentials kept; back to recurrent is refused without them', async () => {
    const connection = await connect(ctx, token, small());
    assert.ok(connection.next_refresh_at);
    const single = await patch(connection.id, { access_mode: 'single' });
    assert.equal(single.statusCode, 200, single.body);
    const body = single.json();
    assert.deepEqual(
      [body.access_mode, body.refresh_interval, body.next_refresh_at, body.has_credentials],
      ['single', null, null, false],
    );
    assert.equal(body.status, 'ok', 'the status is not touched');
    const recurrent = await patch(connection.id, { access_mode: 'recurrent' });
    assert.equal(recurrent.statusCode, 409, recurrent.body);
    assert.equal(recurrent.json().code, 'CONNECTION_CONSENT_ENDED');
    assert.deepEqual(settingsOf(await getConnection(ctx, token, connection.id)), settingsOf(body));
  });

  test('to recurrent while the credentials are held: scheduled after its extraction', async () => {
    // Waiting for its one-time code: a one-shot connection that still holds its credentials, and a
    // refresh that reads the settings again when the answer resumes it.
    const waiting = await connect(ctx, token, {
      ...good('user_otp'),
      access_mode: 'single',
    });
    assert.deepEqual([waiting.status, waiting.has_credentials], ['challenge_required', true]);
    const response = await patch(waiting.id, { access_mode: 'recurrent', refresh_interval: '12h' });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(
      [response.json().access_mode, response.json().refresh_interval, response.json().challenge?.type],
      ['recurrent', '12h', 'otp'],
      'the challenge waiting for the end user is kept',
    );
    const answered = await ctx.call(token, {
      method: 'POST',
      url: `/v1/connections/${waiting.id}/challenge`,
      payload: { answers: { code: '123456' } },
    });
    assert.equal(answered.statusCode, 200, answered.body);
    const connection = await waitForConnection(ctx, token, waiting.id);
    assert.deepEqual(
      [connection.status, connection.access_mode, connection.refresh_interval, connection.has_credentials],
      ['ok', 'recurrent', '12h', true],
    );
    assert.equal(
      Date.parse(connection.next_refresh_at!) - Date.parse(connection.last_refresh_at as string),
      12 * 3600_000,
    );
  });

  test('unknown fields and bad values are 400 with a pointer each, and change nothing', async () => {
    const connection = await connect(ctx, token, small());
    const before = settingsOf(connection);
    const single = await connect(ctx, token, { ...small(), access_mode: 'single' });
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      [connection.id, { nickname: 'x' }, ['/body/nickname']],
      [connection.id, {}, ['/body']],
      [connection.id, { history_days: 0 }, ['/body/history_days']],
      [connection.id, { history_days: 3651 }, ['/body/history_days']],
      [connection.id, { history_days: 1.5 }, ['/body/history_days']],
      [connection.id, { refresh_interval: '1h' }, ['/body/refresh_interval']],
      [connection.id, { access_mode: 'sometimes' }, ['/body/access_mode']],
      [connection.id, { products: [] }, ['/body/products']],
      [connection.id, { products: ['accounts', 'accounts'] }, ['/body/products']],
      [connection.id, { products: ['nope'] }, ['/body/products/0']],
      // Valid products, but not offered by Banco Sandbox: the whole patch is refused.
      [connection.id, { history_days: 30, products: ['accounts', 'mifid'] }, ['/body/products/1']],
      [connection.id, { access_mode: 'single', refresh_interval: '6h' }, ['/body/refresh_interval']],
      [single.id, { refresh_interval: '6h' }, ['/body/refresh_interval']],
      [connection.id, { refresh: 'yes' }, ['/body/refresh']],
    ];
    for (const [id, payload, pointers] of cases) {
      const response = await patch(id, payload);
      const what = `${JSON.stringify(payload)}: ${response.body}`;
      assert.equal(response.statusCode, 400, what);
      assert.match(response.headers['content-type'] as string, /application\/problem\+json/);
      const problem = response.json();
      assert.equal(problem.code, 'VALIDATION_FAILED', what);
      assert.deepEqual(
        problem.errors.map((e: { pointer: string }) => e.pointer),
        pointers,
        what,
      );
    }
    assert.deepEqual(settingsOf(await getConnection(ctx, token, connection.id)), before);
    assert.deepEqual(await triggersOf(connection.id), ['initial'], 'no refresh was queued');
  });

  test('refresh: true on a disabled connection is refused and changes nothing', async () => {
    const connection = await connect(ctx, token, small());
    await ctx.call(token, { method: 'POST', url: `/v1/connections/${connection.id}/disable` });
    const before = settingsOf(await getConnection(ctx, token, connection.id));
    const refused = await patch(connection.id, { history_days: 10, refresh: true });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().code, 'CONNECTION_DISABLED');
    assert.deepEqual(settingsOf(await getConnection(ctx, token, connection.id)), before);
    // Settings alone may change while disabled.
    const changed = await patch(connection.id, { history_days: 10 });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json().history_days, 10);
  });

  test("another client's connection is not found; connections:read is not enough", async () => {
    const connection = await connect(ctx, token, small());
    const other = await ctx.tokenFor(await ctx.createClient());
    const notFound = await patch(connection.id, { history_days: 10 }, other);
    assert.equal(notFound.statusCode, 404, notFound.body);
    assert.equal(notFound.json().code, 'NOT_FOUND');
    const reader = await ctx.tokenFor(client, ['connections:read']);
    const forbidden = await patch(connection.id, { history_days: 10 }, reader);
    assert.equal(forbidden.statusCode, 403, forbidden.body);
    assert.equal((await getConnection(ctx, token, connection.id)).history_days, connection.history_days);
  });
});

describe('scheduled_refresh (PATCH)', () => {
  test('false pauses the schedule and nothing else; true resumes it and a refresh due meanwhile runs', async () => {
    const connection = await connect(ctx, token, small());
    const control = await connect(ctx, token, small());
    assert.equal(connection.scheduled_refresh, true);
    const paused = await patch(connection.id, { scheduled_refresh: false });
    assert.equal(paused.statusCode, 200, paused.body);
    const body = paused.json();
    assert.deepEqual(
      [body.scheduled_refresh, body.status, body.access_mode, body.has_credentials, body.refresh],
      [false, 'ok', 'recurrent', true, null],
    );
    assert.deepEqual(await getConnection(ctx, token, connection.id), body);

    const later = new Date(
      Math.max(Date.parse(body.next_refresh_at), Date.parse(control.next_refresh_at!)) + 60_000,
    );
    await queueDueRefreshes({ ...ctx.engine, now: () => later }, { passMs: 0 });
    assert.deepEqual(await triggersOf(connection.id), ['initial'], 'the scheduler skipped it');
    assert.deepEqual(await triggersOf(control.id), ['scheduled', 'initial'], 'it picked the control');
    await waitForConnection(ctx, token, control.id);

    const resumed = await patch(connection.id, { scheduled_refresh: true });
    assert.equal(resumed.json().scheduled_refresh, true);
    await queueDueRefreshes({ ...ctx.engine, now: () => later }, { passMs: 0 });
    assert.deepEqual(
      await triggersOf(connection.id),
      ['scheduled', 'initial'],
      'due since, so taken at once',
    );
    await waitForConnection(ctx, token, connection.id);
  });

  test('a bad value is 400 and changes nothing', async () => {
    const connection = await connect(ctx, token, small());
    const refused = await patch(connection.id, { scheduled_refresh: 'no' });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.equal((await getConnection(ctx, token, connection.id)).scheduled_refresh, true);
  });
});

describe('a first login that failed', () => {
  test('reads of the connection answer 409 CONNECTION_LOGIN_FAILED; allow_partial reads the empty store', async () => {
    const created = await createConnection(ctx, token, {
      institution_id: 'ins_sandbox_bank',
      credentials: { username: 'user_locked', password: 'pass_good' },
      external_id: 'end-user-locked',
    });
    const connection = await waitForConnection(
      ctx,
      token,
      created.id,
      (c) => c.status !== 'pending' && c.refresh === null,
      60_000,
    );
    assert.equal(connection.status, 'locked');
    for (const url of [
      `/v1/accounts?connection_id=${created.id}`,
      `/v1/transactions?connection_id=${created.id}`,
      '/v1/accounts?external_id=end-user-locked',
    ]) {
      const response = await ctx.call(token, { url });
      assert.equal(response.statusCode, 409, `${url}: ${response.body}`);
      assert.match(response.headers['content-type'] as string, /application\/problem\+json/);
      const problem = response.json();
      assert.equal(problem.code, 'CONNECTION_LOGIN_FAILED');
      assert.equal(problem.connection_id, created.id);
      // RFC 9457's `status` stays the HTTP status; the connection's has a member of its own.
      assert.equal(problem.status, 409);
      assert.equal(problem.connection_status, 'locked');
      assert.match(problem.detail, /locked/);
    }
    const partial = await ctx.call(token, {
      url: `/v1/accounts?connection_id=${created.id}&allow_partial=true`,
    });
    assert.equal(partial.statusCode, 200, partial.body);
    assert.deepEqual(partial.json().data, []);
  });

  test('a connection that extracted once keeps answering its data after a later login fails', async () => {
    const connection = await connect(ctx, token, small());
    const update = await ctx.call(token, {
      method: 'PUT',
      url: `/v1/connections/${connection.id}/credentials`,
      payload: { credentials: { username: 'user_locked', password: 'pass_good' } },
    });
    assert.equal(update.statusCode, 202, update.body);
    const locked = await waitForConnection(ctx, token, connection.id, (c) => c.refresh === null);
    assert.equal(locked.status, 'locked');
    const accounts = await ctx.call(token, { url: `/v1/accounts?connection_id=${connection.id}` });
    assert.equal(accounts.statusCode, 200, accounts.body);
    assert.ok(accounts.json().data.length > 0);
  });
});

describe('unique_credentials', () => {
  const create = (body: Record<string, unknown>, as = token) =>
    ctx.call(as, { method: 'POST', url: '/v1/connections', payload: { access_mode: 'recurrent', ...body } });

  test('refuses a second connection of the same login with 409 CONNECTION_DUPLICATE naming the first', async () => {
    const login = small();
    const first = await createConnection(ctx, token, login);
    // The password is not part of the identity: another password is still the same login.
    const refused = await create({
      ...login,
      credentials: { ...login.credentials, password: 'another' },
      unique_credentials: true,
    });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().code, 'CONNECTION_DUPLICATE');
    assert.equal(refused.json().connection_id, first.id);
    assert.ok(!refused.body.includes(login.credentials.username), 'the username is not echoed');
    // Without the flag duplicates are still allowed, as before.
    assert.equal((await create(login)).statusCode, 201);
    // Another username, or the same one at another institution, is another login.
    assert.equal((await create({ ...small(), unique_credentials: true })).statusCode, 201);
    const broker = {
      institution_id: 'ins_sandbox_broker',
      credentials: { document_type: 'nif', ...login.credentials },
      unique_credentials: true,
    };
    assert.equal((await create(broker)).statusCode, 201);
    assert.equal((await create(broker)).statusCode, 409, 'a non-password field (username) is identity');
    assert.equal(
      (await create({ ...broker, credentials: { ...broker.credentials, document_type: 'nie' } })).statusCode,
      201,
      'every non-password field is part of the identity',
    );
  });

  test("another client's identical credentials do not count", async () => {
    const login = small();
    await createConnection(ctx, token, login);
    const otherClient = await ctx.createClient();
    const other = await ctx.tokenFor(otherClient);
    const response = await create({ ...login, unique_credentials: true }, other);
    assert.equal(response.statusCode, 201, response.body);
    assert.equal(
      await findDuplicateConnection(ctx.engine, otherClient.id, login.institution_id, login.credentials),
      response.json().id,
    );
  });

  test('the fingerprint is stored (never the username), follows a credentials update, and is exported', async () => {
    const login = small();
    const connection = await connect(ctx, token, login);
    const row = await ctx.database.db
      .selectFrom('connections')
      .select('credentials_fingerprint')
      .where('id', '=', connection.id)
      .executeTakeFirstOrThrow();
    assert.match(row.credentials_fingerprint!, /^v1\.[A-Za-z0-9_-]{43}$/);
    assert.ok(!row.credentials_fingerprint!.includes(login.credentials.username));
    assert.ok(!ctx.logText().includes(login.credentials.username), 'the username is never logged');
    const { institution_id, credentials } = login;
    assert.equal(
      await findDuplicateConnection(ctx.engine, client.id, institution_id, credentials),
      connection.id,
    );
    assert.equal(await findDuplicateConnection(ctx.engine, client.id, 'ins_nope', credentials), undefined);

    const renamed = small();
    const update = await ctx.call(token, {
      method: 'PUT',
      url: `/v1/connections/${connection.id}/credentials`,
      payload: { credentials: renamed.credentials },
    });
    assert.equal(update.statusCode, 202, update.body);
    assert.equal(
      await findDuplicateConnection(ctx.engine, client.id, institution_id, credentials),
      undefined,
    );
    assert.equal(
      await findDuplicateConnection(ctx.engine, client.id, institution_id, renamed.credentials),
      connection.id,
    );
    await waitForConnection(ctx, token, connection.id);
  });

  test('concurrent creations of one login with the flag: exactly one succeeds', async () => {
    const login = { ...small(), unique_credentials: true };
    const answers = await Promise.all([create(login), create(login), create(login)]);
    assert.deepEqual(answers.map((r) => r.statusCode).sort(), [201, 409, 409]);
  });
});

describe('GET /v1/connections?count=true', () => {
  test('adds total, the connections matching the filters, whatever the page size', async () => {
    const counted = await ctx.createClient();
    const as = await ctx.tokenFor(counted);
    for (const external_id of ['count-a', 'count-a', 'count-b'])
      await createConnection(ctx, as, { ...small(), external_id });
    const list = async (query: string) => {
      const response = await ctx.call(as, { url: `/v1/connections?${query}` });
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    };
    const page = await list('count=true&page_size=1');
    assert.equal(page.data.length, 1);
    assert.equal(page.has_more, true);
    assert.equal(page.total, 3);
    assert.equal((await list('count=true&external_id=count-a')).total, 2);
    assert.equal((await list('count=true&external_id=nobody')).total, 0);
    assert.equal(
      (await list(`count=true&cursor=${page.next_cursor}`)).total,
      3,
      'the total ignores the cursor',
    );
    assert.equal('total' in (await list('page_size=1')), false, 'no total unless asked for');
  });
});

// Last: it drives the scheduler with a clock past every connection's next refresh.
describe('POST /v1/connections/{id}/reauthenticate', () => {
  test('pauses scheduled refreshes, keeps status and data, and new credentials end it', async () => {
    const connection = await connect(ctx, token, small());
    const control = await connect(ctx, token, small());
    const response = await reauthenticate(connection.id);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.deepEqual(await getConnection(ctx, token, connection.id), body);
    assert.deepEqual([body.needs_user, body.status, body.refresh], [true, 'ok', null]);

    const later = new Date(
      Math.max(Date.parse(body.next_refresh_at), Date.parse(control.next_refresh_at!)) + 60_000,
    );
    await queueDueRefreshes({ ...ctx.engine, now: () => later }, { passMs: 0 });
    assert.deepEqual(await triggersOf(connection.id), ['initial'], 'the scheduler did not pick it');
    const paused = await getConnection(ctx, token, connection.id);
    assert.equal(paused.next_refresh_at, body.next_refresh_at, 'still due, not taken off the schedule');
    assert.deepEqual(await triggersOf(control.id), ['scheduled', 'initial'], 'it picked the control');

    const accounts = await ctx.call(token, { url: `/v1/accounts?connection_id=${connection.id}` });
    assert.equal(accounts.statusCode, 200, accounts.body);
    assert.ok(accounts.json().data.length > 0, 'the data stays readable');

    const update = await ctx.call(token, {
      method: 'PUT',
      url: `/v1/connections/${connection.id}/credentials`,
      payload: { credentials: good(`user_good_${10 + logins}`).credentials },
    });
    assert.equal(update.statusCode, 202, update.body);
    assert.equal((await getConnection(ctx, token, connection.id)).needs_user, false);
    const refreshed = await waitForConnection(ctx, token, connection.id);
    assert.deepEqual([refreshed.status, refreshed.needs_user], ['ok', false]);
    await waitForConnection(ctx, token, control.id);
  });

  test('a Connect session in update mode clears it', async () => {
    const login = small();
    const connection = await connect(ctx, token, login);
    assert.equal((await reauthenticate(connection.id)).json().needs_user, true);
    const redirectUri = 'https://app.example/callback';
    await setRedirectUris(ctx.engine, client.id, [redirectUri]);
    const { id } = await createSession(ctx.engine, TEST_ISSUER, client.id, {
      redirect_uri: redirectUri,
      connection_id: connection.id,
    });
    const session = (await findSession(ctx.database.db, id))!;
    await submitCredentials(ctx.engine, session, login);
    assert.equal((await getConnection(ctx, token, connection.id)).needs_user, false);
    const refreshed = await waitForConnection(ctx, token, connection.id);
    assert.deepEqual([refreshed.status, refreshed.needs_user], ['ok', false]);
  });

  test('a disabled connection is refused; another client gets 404', async () => {
    const connection = await connect(ctx, token, small());
    const other = await ctx.tokenFor(await ctx.createClient());
    const notFound = await reauthenticate(connection.id, other);
    assert.equal(notFound.statusCode, 404, notFound.body);
    await ctx.call(token, { method: 'POST', url: `/v1/connections/${connection.id}/disable` });
    const refused = await reauthenticate(connection.id);
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().code, 'CONNECTION_DISABLED');
    assert.equal((await getConnection(ctx, token, connection.id)).needs_user, false);
  });
});
