// FlinksCapital and FlinksInvestment (ins_sandbox_flinks_capital, ins_sandbox_flinks_investment):
// the sandbox institutions whose behaviour is chosen by Flinks' test users
// (src/connectors/sandbox/README.md, "Flinks test users"). They pass the connector contract, every
// test user is the magic username the table says at the connector, and each behaviour shows through
// the native API (and the hosted Connect page's API) as it does for that magic username.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConnectorError, type LoginResult } from '../src/connectors/connector.ts';
import {
  FLINKS_CAPITAL_ID,
  FLINKS_INVESTMENT_ID,
  FLINKS_PENDING_TRANSACTIONS,
  FLINKS_QUESTION_PROMPT,
  flinksAnswers,
  flinksPersona,
} from '../src/connectors/sandbox/flinks-capital.ts';
import { sandboxConnector } from '../src/connectors/sandbox/index.ts';
import { runConnectorContract } from './contract/connector-contract.ts';
import {
  type ConnectionBody,
  createConnection,
  getConnection,
  waitForConnection,
} from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';

const PASSWORD = 'Everyday';
const credentials = (username: string, password = PASSWORD) => ({ username, password });

for (const institutionId of [FLINKS_CAPITAL_ID, FLINKS_INVESTMENT_ID])
  runConnectorContract(sandboxConnector, [
    {
      institutionId,
      credentials: credentials('greatday_nomfa'),
      wrongCredentials: credentials('greatday_nomfa', 'everyday'),
    },
    {
      institutionId,
      credentials: credentials('Greatday'),
      answers: { answer: 'Triangle' },
      wrongCredentials: credentials('Greatday', 'pass_good'),
    },
  ]);

describe('the test users at the connector', () => {
  const NOW = new Date('2026-06-15T12:00:00Z');
  const firstLogin = (username: string, password = PASSWORD, institutionId = FLINKS_CAPITAL_ID) =>
    sandboxConnector.login({
      institutionId,
      credentials: credentials(username, password),
      session: {},
      refreshNumber: 0,
      now: NOW,
    });
  const challengeOf = async (institutionId: string, username: string) => {
    const result: LoginResult = await firstLogin(username, PASSWORD, institutionId);
    assert.equal(result.status, 'challenge', username);
    return result.status === 'challenge' ? result.challenge : assert.fail();
  };

  test('each test user is a magic username; usernames are case-insensitive, passwords exact', () => {
    const table: Array<[string, string | null]> = [
      ['Greatday', 'user_question'],
      ['greatday', 'user_question'],
      ['GREATDAY', 'user_question'],
      ['greatday_nomfa', 'user_good'],
      ['Greatday_NoMFA', 'user_good'],
      ['test_disabled_account', 'user_locked'],
      ['test_service_unavailable', 'user_down'],
      ['Test_Pending', `user_good_${FLINKS_PENDING_TRANSACTIONS}`],
    ];
    for (const [username, persona] of table)
      assert.equal(flinksPersona(username, PASSWORD), persona, username);
    const dispatched = /^user_good_(\d+)$/.exec(flinksPersona('test_dispatched', PASSWORD) ?? '');
    assert.ok(dispatched && Number(dispatched[1]) > FLINKS_PENDING_TRANSACTIONS, 'bigger than test_pending');
    for (const [username, password] of [
      ['Greatday', 'everyday'],
      ['Greatday', 'Everyday '],
      ['greatday_nomfa', 'pass_good'],
      ['test_pending', 'EVERYDAY'],
      ['user_good', PASSWORD],
      ['user_good', 'pass_good'],
      ['toString', PASSWORD],
      ['someone', PASSWORD],
    ] as const)
      assert.equal(flinksPersona(username, password), null, `${username} / ${password}`);
  });

  test("Greatday gets user_question's challenge with Flinks' prompt, on both institutions", async () => {
    const sandbox = await sandboxConnector.login({
      institutionId: 'ins_sandbox_bank',
      credentials: { username: 'user_question', password: 'pass_good' },
      session: {},
      refreshNumber: 0,
      now: NOW,
    });
    assert.equal(sandbox.status, 'challenge');
    const native = sandbox.status === 'challenge' ? sandbox.challenge : assert.fail();
    for (const institutionId of [FLINKS_CAPITAL_ID, FLINKS_INVESTMENT_ID]) {
      const challenge = await challengeOf(institutionId, 'Greatday');
      assert.equal(challenge.type, 'question');
      assert.equal(challenge.prompt.en, FLINKS_QUESTION_PROMPT);
      assert.equal(FLINKS_QUESTION_PROMPT, 'What city were you born in?');
      assert.deepEqual(
        challenge.fields.map((f) => f.name),
        native.fields.map((f) => f.name),
        "the answer field is user_question's",
      );
    }
    assert.deepEqual(flinksAnswers, ['Montreal', 'Canada', 'Triangle', '4']);
  });

  test('every accepted answer passes (trimmed, any case); others, tesoro included, are wrong', async () => {
    const challenge = await challengeOf(FLINKS_CAPITAL_ID, 'Greatday');
    const answerWith = (answer: string) =>
      sandboxConnector.login({
        institutionId: FLINKS_CAPITAL_ID,
        credentials: credentials('Greatday'),
        session: {},
        refreshNumber: 0,
        now: NOW,
        answers: { [challenge.fields[0]!.name]: answer },
      });
    for (const answer of ['Montreal', 'montreal', ' MONTREAL ', 'canada', 'Triangle', '4', ' 4'])
      assert.equal((await answerWith(answer)).status, 'ok', answer);
    for (const answer of ['Toronto', 'tesoro', '', '44', 'Montréal'])
      await assert.rejects(
        answerWith(answer),
        (error: unknown) => error instanceof ConnectorError && error.code === 'challenge_failed',
        answer,
      );
  });

  test('the failure users fail the login with their status; anyone else is invalid credentials', async () => {
    for (const [username, password, code] of [
      ['test_disabled_account', PASSWORD, 'locked'],
      ['test_service_unavailable', PASSWORD, 'institution_down'],
      ['Greatday', 'pass_good', 'credentials_invalid'],
      ['greatday_nomfa', 'nope', 'credentials_invalid'],
      ['test_disabled_account', 'nope', 'credentials_invalid'],
      ['user_good', 'pass_good', 'credentials_invalid'],
      ['maria', PASSWORD, 'credentials_invalid'],
    ] as const)
      await assert.rejects(
        firstLogin(username, password),
        (error: unknown) => error instanceof ConnectorError && error.code === code,
        `${username} / ${password}`,
      );
  });

  test('greatday_nomfa, test_pending and test_dispatched log in without a challenge', async () => {
    for (const username of ['greatday_nomfa', 'test_pending', 'TEST_DISPATCHED'])
      assert.equal((await firstLogin(username)).status, 'ok', username);
  });
});

describe('through the API', () => {
  let ctx: TestContext;
  let token: string;

  before(async () => {
    ctx = await buildTestContext();
    token = await ctx.tokenFor(await ctx.createClient());
  });
  after(() => ctx.close());

  const open = (username: string, password = PASSWORD, institutionId = FLINKS_CAPITAL_ID) =>
    createConnection(ctx, token, {
      institution_id: institutionId,
      credentials: credentials(username, password),
    });
  /** The connection once its refresh has ended or waits for the end user (the server's own progress). */
  const settled = (id: string) => waitForConnection(ctx, token, id, undefined, 60_000);
  const ended = (id: string) => waitForConnection(ctx, token, id, (c) => c.refresh === null, 120_000);
  const answer = (id: string, answers: Record<string, string>) =>
    ctx.call(token, { method: 'POST', url: `/v1/connections/${id}/challenge`, payload: { answers } });
  const get = (url: string) => ctx.call(token, { url });
  const allProductsLoaded = (connection: ConnectionBody) => {
    for (const [product, state] of Object.entries(connection.product_status))
      assert.deepEqual([product, state.created, state.errored], [product, true, false]);
  };

  test('both institutions are listed, Canadian, with a username and password form', async () => {
    const response = await get('/v1/institutions?page_size=100');
    assert.equal(response.statusCode, 200, response.body);
    const listed = response.json().data;
    const byId = (id: string) => listed.find((i: { id: string }) => i.id === id);
    const capital = byId(FLINKS_CAPITAL_ID);
    const investment = byId(FLINKS_INVESTMENT_ID);
    assert.equal(capital.name, 'FlinksCapital');
    assert.equal(investment.name, 'FlinksInvestment');
    const bank = byId('ins_sandbox_bank');
    const broker = byId('ins_sandbox_broker');
    assert.deepEqual(capital.products, bank.products, "Banco Sandbox's products");
    assert.deepEqual(investment.products, broker.products, "Sandbox Valores' products");
    for (const flinks of [capital, investment]) {
      assert.equal(flinks.country, 'CA');
      assert.deepEqual(
        flinks.fields.map((f: { name: string }) => f.name),
        ['username', 'password'],
      );
      for (const word of ['Greatday', 'Everyday', 'greatday_nomfa', 'test_pending', 'Montreal'])
        assert.ok(flinks.description.includes(word), `${flinks.id}: ${word}`);
    }
    const canadian = (await get('/v1/institutions?country=ca')).json().data.map((i: { id: string }) => i.id);
    assert.deepEqual(canadian, [FLINKS_CAPITAL_ID, FLINKS_INVESTMENT_ID]);
  });

  test('Greatday: the Flinks question, answered montreal; status ok and the accounts listed', async () => {
    const created = await open('Greatday');
    const waiting = await settled(created.id);
    assert.equal(waiting.status, 'challenge_required');
    assert.equal(waiting.challenge!.type, 'question');
    assert.equal(waiting.challenge!.prompt, FLINKS_QUESTION_PROMPT);
    assert.deepEqual(
      waiting.challenge!.fields.map((f) => f.name),
      ['answer'],
    );
    assert.equal(waiting.challenge!.attempts_left, 3);
    const right = await answer(created.id, { answer: 'montreal' });
    assert.equal(right.statusCode, 200, right.body);
    const done = await ended(created.id);
    assert.equal(done.status, 'ok');
    assert.equal(done.challenge, null);
    allProductsLoaded(done);
    const accounts = await get(`/v1/accounts?connection_id=${created.id}`);
    assert.equal(accounts.statusCode, 200, accounts.body);
    assert.deepEqual(
      accounts
        .json()
        .data.map((a: { type: string }) => a.type)
        .sort(),
      ['current', 'current', 'savings'],
    );
    const transactions = await get(`/v1/transactions?connection_id=${created.id}&page_size=5`);
    assert.equal(transactions.statusCode, 200, transactions.body);
    assert.equal(transactions.json().data.length, 5);
  });

  test('wrong answers leave attempts, then fail the login, exactly as for user_question', async () => {
    /** The answers' replies and the connection at each step, for a login and its wrong answers. */
    const story = async (institutionId: string, user: Record<string, string>, wrong: string) => {
      const created = await createConnection(ctx, token, {
        institution_id: institutionId,
        credentials: user,
      });
      const steps: unknown[] = [];
      const waiting = await settled(created.id);
      steps.push([waiting.status, waiting.challenge!.type, waiting.challenge!.attempts_left]);
      for (let i = 0; i < 3; i++) {
        const reply = await answer(created.id, { answer: wrong });
        const body = reply.json();
        const connection = await getConnection(ctx, token, created.id);
        steps.push([
          reply.statusCode,
          body.code,
          body.attempts_left,
          connection.status,
          connection.needs_user,
          connection.challenge?.attempts_left ?? null,
        ]);
      }
      const last = await ended(created.id);
      const [refresh] = (await get(`/v1/connections/${created.id}/refreshes`)).json().data;
      steps.push([last.status, last.challenge, refresh.status, refresh.error_code]);
      return steps;
    };
    const [flinks, sandbox] = await Promise.all([
      story(FLINKS_CAPITAL_ID, credentials('Greatday'), 'Toronto'),
      story('ins_sandbox_bank', { username: 'user_question', password: 'pass_good' }, 'rex'),
    ]);
    assert.deepEqual(flinks, sandbox);
    // And what that is: two wrong answers with attempts left, the third ends the login.
    assert.deepEqual(flinks[1], [422, 'CHALLENGE_FAILED', 2, 'challenge_required', true, 2]);
    assert.deepEqual(flinks[2], [422, 'CHALLENGE_FAILED', 1, 'challenge_required', true, 1]);
    assert.deepEqual((flinks[3] as unknown[]).slice(0, 3), [422, 'CHALLENGE_FAILED', 0]);
    assert.equal((flinks[4] as unknown[])[3], 'challenge_failed');
  });

  test('greatday_nomfa (any case): ok without a challenge', async () => {
    const created = await open('GreatDay_NoMFA');
    const connection = await ended(created.id);
    assert.equal(connection.status, 'ok');
    assert.equal(connection.challenge, null);
    assert.ok(!connection.status_history.some((h) => h.to === 'challenge_required'), 'never asked');
    allProductsLoaded(connection);
    assert.equal(connection.product_status.transactions!.count, 420, "user_good's movements");
  });

  for (const [username, password, status, needsUser] of [
    ['test_disabled_account', PASSWORD, 'locked', true],
    ['test_service_unavailable', PASSWORD, 'institution_down', false],
    ['Greatday', 'everyday', 'credentials_invalid', true],
    ['greatday_nomfa', 'pass_good', 'credentials_invalid', true],
    ['user_good', 'pass_good', 'credentials_invalid', true],
  ] as const) {
    test(`${username} / ${password}: the login fails with ${status}`, async () => {
      const created = await open(username, password);
      const connection = await ended(created.id);
      assert.equal(connection.status, status);
      assert.equal(connection.needs_user, needsUser);
      assert.equal(connection.challenge, null);
      for (const [product, state] of Object.entries(connection.product_status))
        assert.deepEqual([product, state.created, state.count], [product, false, 0], 'nothing was extracted');
      const [refresh] = (await get(`/v1/connections/${created.id}/refreshes`)).json().data;
      assert.equal(refresh.status, 'failed');
      assert.equal(refresh.error_code, status);
    });
  }

  test('FlinksInvestment, Greatday / Everyday: portfolios and investments readable after the answer', async () => {
    const created = await open('Greatday', PASSWORD, FLINKS_INVESTMENT_ID);
    const waiting = await settled(created.id);
    assert.equal(waiting.challenge!.prompt, FLINKS_QUESTION_PROMPT);
    const right = await answer(created.id, { answer: ' Canada ' });
    assert.equal(right.statusCode, 200, right.body);
    const done = await ended(created.id);
    assert.equal(done.status, 'ok');
    allProductsLoaded(done);
    for (const product of ['portfolios', 'investments', 'investment_transactions']) {
      const read = await get(`/v1/${product.replace('_', '-')}?connection_id=${created.id}`);
      assert.equal(read.statusCode, 200, read.body);
      assert.ok(read.json().data.length > 0, product);
    }
    const accounts = (await get(`/v1/accounts?connection_id=${created.id}`)).json().data;
    assert.deepEqual(
      accounts.map((a: { type: string }) => a.type),
      ['brokerage_cash'],
    );
  });

  test('test_pending: the data answers 202 OPERATION_PENDING while the first extraction runs, then 200', async () => {
    const created = await open('test_pending');
    const url = `/v1/transactions?connection_id=${created.id}&page_size=1`;
    /** The server's own progress: batches of transactions it has stored so far, from its log. */
    const storedBatches = (refreshId: string) =>
      ctx.logs.filter(
        (l) => l.refresh === refreshId && l.product === 'transactions' && l.msg === 'stored a batch',
      ).length;
    const batches = Math.ceil(FLINKS_PENDING_TRANSACTIONS / 5_000);
    let pendingWhileExtracting = 0;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const read = await get(url);
      if (read.statusCode === 200) break;
      assert.equal(read.statusCode, 202, read.body);
      const body = read.json();
      assert.equal(body.code, 'OPERATION_PENDING');
      assert.equal(body.connection_id, created.id);
      assert.ok(read.headers['retry-after'], 'says when to come back');
      // Pending with the transactions not all stored yet: the extraction was in progress.
      if (storedBatches(body.refresh_id) < batches) pendingWhileExtracting++;
      assert.ok(Date.now() < deadline, 'the extraction ends');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(pendingWhileExtracting >= 1, 'a read answered 202 while the extraction ran');
    const connection = await getConnection(ctx, token, created.id);
    assert.equal(connection.product_status.transactions!.count, FLINKS_PENDING_TRANSACTIONS);
    const refresh = (await get(`/v1/connections/${created.id}/refreshes`)).json().data[0];
    assert.equal(storedBatches(refresh.id), batches, 'every batch was stored before the 200');
    assert.equal((await ended(created.id)).status, 'ok');
  });

  test('on the hosted Connect page: Greatday, the Flinks question, 4: success', async () => {
    const registered = await ctx.call(token, {
      method: 'PUT',
      url: '/v1/client/redirect-uris',
      payload: { redirect_uris: ['https://app.example/cb'] },
    });
    assert.equal(registered.statusCode, 200, registered.body);
    const session = await ctx.call(token, {
      method: 'POST',
      url: '/v1/connect/sessions',
      payload: { redirect_uri: 'https://app.example/cb', language: 'en' },
    });
    assert.equal(session.statusCode, 201, session.body);
    const { id, url } = session.json();
    const pageToken = new URL(url).hash.slice(1);
    const call = (method: 'GET' | 'POST', path: string, payload?: Record<string, unknown>) =>
      ctx.app.inject({
        method,
        url: `/connect/api/${id}${path}`,
        headers: { authorization: `Bearer ${pageToken}` },
        ...(payload ? { payload } : {}),
      });
    const progressUntil = async (done: (state: string) => boolean) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const progress = (await call('GET', '/progress')).json();
        if (done(progress.state)) return progress;
        assert.ok(Date.now() < deadline, `still ${progress.state}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const listed = (await call('GET', '')).json().institutions.map((i: { id: string }) => i.id);
    assert.ok(listed.includes(FLINKS_CAPITAL_ID) && listed.includes(FLINKS_INVESTMENT_ID));
    const submitted = await call('POST', '/credentials', {
      institution_id: FLINKS_CAPITAL_ID,
      credentials: credentials('Greatday'),
    });
    assert.equal(submitted.statusCode, 200, submitted.body);
    const asked = await progressUntil((state) => state !== 'working');
    assert.equal(asked.state, 'challenge');
    assert.equal(asked.challenge.prompt, FLINKS_QUESTION_PROMPT);
    assert.equal((await call('POST', '/answer', { answers: { answer: '4' } })).statusCode, 202);
    const done = await progressUntil((state) => state !== 'working' && state !== 'challenge');
    assert.equal(done.state, 'success');
  });
});
