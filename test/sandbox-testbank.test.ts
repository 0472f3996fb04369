// TestBank (Flanks test values), ins_sandbox_testbank: the sandbox institution whose behaviour is
// chosen by Flanks' TestBank password words and SCA values (src/connectors/sandbox/README.md). It
// passes the connector contract, every word does what the table says at the connector, and each
// behaviour class shows through the native API and the hosted Connect page's API as it should.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConnectorError, type LoginResult } from '../src/connectors/connector.ts';
import { sandboxConnector } from '../src/connectors/sandbox/index.ts';
import { runConnectorContract } from './contract/connector-contract.ts';
import {
  type ConnectionBody,
  createConnection,
  getConnection,
  waitForConnection,
} from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';

const TESTBANK = 'ins_sandbox_testbank';
const credentials = (password: string, username = 'user_good') => ({ username, password });

runConnectorContract(sandboxConnector, [
  {
    institutionId: TESTBANK,
    credentials: credentials('any-ordinary-password'),
    wrongCredentials: credentials('INVALID_CREDENTIALS'),
  },
  {
    institutionId: TESTBANK,
    credentials: credentials('SCA_SMS'),
    answers: { code: '123456' },
    wrongCredentials: credentials('INVALID_CREDENTIALS', 'user_otp'),
  },
  {
    institutionId: TESTBANK,
    credentials: credentials('SCA_COORDINATE_CARD'),
    answers: { answer: 'tesoro' },
  },
  // Approved in the app: the contract's clock moves 10 s a step, past the ~3 s approval.
  { institutionId: TESTBANK, credentials: credentials('SCA_QR_ACCEPT') },
]);

describe('the password words at the connector', () => {
  const NOW = new Date('2026-06-15T12:00:00Z');
  const firstLogin = (password: string, username = 'user_good') =>
    sandboxConnector.login({
      institutionId: TESTBANK,
      credentials: credentials(password, username),
      session: {},
      refreshNumber: 0,
      now: NOW,
    });
  const challengeOf = async (password: string) => {
    const result: LoginResult = await firstLogin(password);
    assert.equal(result.status, 'challenge', password);
    return result.status === 'challenge' ? result.challenge : assert.fail();
  };

  test('each SCA password asks its kind of challenge', async () => {
    const code = [
      'SCA_SMS',
      'SCA_CODE',
      'SCA_CODE_DEVICE',
      'SCA_APP_CODE',
      'SCA_EMAIL',
      'SCA_CODE_FROM_APP',
      'SCA_GOOGLE_AUTHENTICATOR',
    ];
    for (const word of code) {
      const challenge = await challengeOf(word);
      assert.equal(challenge.type, 'otp', word);
      assert.deepEqual(
        challenge.fields.map((f) => f.name),
        ['code'],
      );
      // The SCA values are words: the field takes them as well as the digits.
      for (const value of ['123456', 'INVALID_SCA', 'INTERNAL_ERROR', 'USER_INTERACTION_NEEDED'])
        assert.match(value, new RegExp(challenge.fields[0]!.validation!, 'u'));
    }
    for (const word of ['SCA_APP', 'SCA_EXTERNAL_WAIT', 'SCA_QR_ACCEPT'])
      assert.equal((await challengeOf(word)).type, 'decoupled', word);
    for (const word of ['SCA_COORDINATE', 'SCA_COORDINATE_CARD']) {
      const challenge = await challengeOf(word);
      assert.equal(challenge.type, 'question', word);
      assert.match(challenge.prompt.en, /coordinate/i);
      assert.match(challenge.prompt.es, /coordenada/i);
    }
  });

  test('the failure passwords fail the login with their status', async () => {
    for (const [word, code] of [
      ['INVALID_CREDENTIALS', 'credentials_invalid'],
      ['INTERNAL_ERROR', 'institution_down'],
      ['USER_INTERACTION_NEEDED', 'action_needed'],
      ['SCA_TYPE_NOT_ALLOWED', 'action_needed'],
    ] as const)
      await assert.rejects(
        firstLogin(word),
        (error: unknown) => error instanceof ConnectorError && error.code === code,
        word,
      );
  });

  test('any other password logs in, whatever the username; the words are case-sensitive', async () => {
    for (const [password, username] of [
      ['ALREADY_EXISTS', 'user_good'],
      ['DATA_ERROR_PRODUCT_ACCOUNT', 'user_good'],
      ['pass_good', 'user_good'],
      ['hunter2', 'user_locked'],
      ['sca_sms', 'user_otp'],
      ['internal_error', 'maria.garcia'],
    ])
      assert.equal((await firstLogin(password!, username)).status, 'ok', `${username} / ${password}`);
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

  const open = (password: string, username = 'user_good') =>
    createConnection(ctx, token, { institution_id: TESTBANK, credentials: credentials(password, username) });
  /** The connection once its refresh has ended or waits for the end user (the server's own progress). */
  const settled = (id: string) => waitForConnection(ctx, token, id);
  const settledAs = (id: string, done: (c: ConnectionBody) => boolean) =>
    waitForConnection(ctx, token, id, done, 60_000);
  const answer = (id: string, answers: Record<string, string>) =>
    ctx.call(token, { method: 'POST', url: `/v1/connections/${id}/challenge`, payload: { answers } });
  const get = (url: string) => ctx.call(token, { url });
  const allProductsLoaded = (connection: ConnectionBody) => {
    for (const [product, state] of Object.entries(connection.product_status))
      assert.deepEqual([product, state.created, state.errored], [product, true, false]);
  };

  test('an ordinary password (ALREADY_EXISTS too): every bank and investment product on one login', async () => {
    const [ordinary, already] = await Promise.all([open('hunter2'), open('ALREADY_EXISTS')]);
    const connection = await settled(ordinary.id);
    assert.equal(connection.status, 'ok');
    assert.equal(connection.challenge, null);
    const status = connection.product_status;
    assert.deepEqual(Object.keys(status).sort(), [
      'accounts',
      'card_transactions',
      'cards',
      'holders',
      'identity',
      'investment_transactions',
      'investments',
      'liabilities',
      'liability_transactions',
      'mifid',
      'portfolios',
      'transactions',
    ]);
    allProductsLoaded(connection);
    // Banco Sandbox's user_good (420 movements) and a settlement per trade on the broker's cash account.
    assert.equal(status.transactions!.count, 420 + status.investment_transactions!.count);
    assert.equal(status.identity!.count, 1);
    assert.ok(status.investments!.count > 0 && status.mifid!.count >= 5 && status.cards!.count === 2);
    const accounts = (await get(`/v1/accounts?connection_id=${ordinary.id}`)).json().data;
    assert.deepEqual(accounts.map((a: { type: string }) => a.type).sort(), [
      'brokerage_cash',
      'current',
      'current',
      'savings',
    ]);

    const duplicate = await settled(already.id);
    assert.equal(duplicate.status, 'ok', 'a second connection with the same username is not refused');
    allProductsLoaded(duplicate);
    assert.deepEqual(
      Object.fromEntries(Object.entries(duplicate.product_status).map(([p, s]) => [p, s.count])),
      Object.fromEntries(Object.entries(status).map(([p, s]) => [p, s.count])),
      'the same username, the same data',
    );
  });

  test('a code SCA (SCA_SMS) passes with 123456', async () => {
    const created = await open('SCA_SMS');
    const waiting = await settled(created.id);
    assert.equal(waiting.status, 'challenge_required');
    assert.equal(waiting.challenge!.type, 'otp');
    assert.deepEqual(
      waiting.challenge!.fields.map((f) => f.name),
      ['code'],
    );
    assert.equal(waiting.challenge!.attempts_left, 3);
    const right = await answer(created.id, { code: '123456' });
    assert.equal(right.statusCode, 200, right.body);
    const done = await settledAs(created.id, (c) => c.refresh === null);
    assert.equal(done.status, 'ok');
    assert.equal(done.challenge, null);
    allProductsLoaded(done);
  });

  test('the SCA value INVALID_SCA is a wrong code, as a wrong user_otp code', async () => {
    const created = await open('SCA_CODE_DEVICE');
    assert.equal((await settled(created.id)).challenge!.type, 'otp');
    const wrong = await answer(created.id, { code: 'INVALID_SCA' });
    assert.equal(wrong.statusCode, 422, wrong.body);
    assert.equal(wrong.json().code, 'CHALLENGE_FAILED');
    assert.equal(wrong.json().attempts_left, 2);
    const still = await getConnection(ctx, token, created.id);
    assert.equal(still.status, 'challenge_required');
    assert.equal(still.challenge!.attempts_left, 2);
    // The right code still passes afterwards.
    assert.equal((await answer(created.id, { code: '123456' })).statusCode, 200);
    assert.equal((await settledAs(created.id, (c) => c.refresh === null)).status, 'ok');
  });

  test('a decoupled SCA (SCA_APP): approved in the app with nothing typed', async () => {
    const created = await open('SCA_APP');
    const waiting = await settledAs(created.id, (c) => c.challenge !== null || c.refresh === null);
    assert.equal(waiting.status, 'challenge_required');
    assert.equal(waiting.challenge!.type, 'decoupled');
    assert.deepEqual(waiting.challenge!.fields, []);
    assert.match(waiting.challenge!.prompt, /TestBank/);
    const done = await settledAs(created.id, (c) => c.refresh === null);
    assert.equal(done.status, 'ok');
    assert.equal(done.challenge, null);
  });

  test('a coordinate SCA (SCA_COORDINATE): a coordinate-card question answered with tesoro', async () => {
    const created = await open('SCA_COORDINATE');
    const waiting = await settled(created.id);
    assert.equal(waiting.challenge!.type, 'question');
    assert.match(waiting.challenge!.prompt, /coordinate/i);
    assert.deepEqual(
      waiting.challenge!.fields.map((f) => f.name),
      ['answer'],
    );
    const right = await answer(created.id, { answer: 'Tesoro' });
    assert.equal(right.statusCode, 200, right.body);
    assert.equal((await settledAs(created.id, (c) => c.refresh === null)).status, 'ok');
  });

  test('DATA_ERROR_PRODUCT_ACCOUNT: logged in, the accounts product failed, the others loaded', async () => {
    const created = await open('DATA_ERROR_PRODUCT_ACCOUNT');
    const connection = await settled(created.id);
    assert.equal(connection.status, 'ok');
    const { accounts, ...others } = connection.product_status;
    assert.deepEqual(
      [accounts!.created, accounts!.errored, accounts!.error],
      [true, true, 'product_unavailable'],
    );
    for (const [product, state] of Object.entries(others)) assert.equal(state.errored, false, product);
    assert.ok(others.transactions!.count > 0);
    const refused = await get(`/v1/accounts?connection_id=${created.id}`);
    assert.equal(refused.statusCode, 424, refused.body);
    assert.equal(refused.json().code, 'PRODUCT_EXTRACTION_FAILED');
    assert.equal((await get(`/v1/transactions?connection_id=${created.id}`)).statusCode, 200);
  });

  for (const [word, status, needsUser] of [
    ['INVALID_CREDENTIALS', 'credentials_invalid', true],
    ['INTERNAL_ERROR', 'institution_down', false],
    ['USER_INTERACTION_NEEDED', 'action_needed', true],
    ['SCA_TYPE_NOT_ALLOWED', 'action_needed', true],
  ] as const) {
    test(`${word}: the login fails with ${status}`, async () => {
      const created = await open(word);
      const connection = await settled(created.id);
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

  describe('on the hosted Connect page, where the end user types the words', () => {
    const page = async (language: 'en' | 'es' = 'en') => {
      const registered = await ctx.call(token, {
        method: 'PUT',
        url: '/v1/client/redirect-uris',
        payload: { redirect_uris: ['https://app.example/cb'] },
      });
      assert.equal(registered.statusCode, 200, registered.body);
      const created = await ctx.call(token, {
        method: 'POST',
        url: '/v1/connect/sessions',
        payload: { redirect_uri: 'https://app.example/cb', language },
      });
      assert.equal(created.statusCode, 201, created.body);
      const { id, url } = created.json();
      const pageToken = new URL(url).hash.slice(1);
      return (method: 'GET' | 'POST', path: string, payload?: Record<string, unknown>) =>
        ctx.app.inject({
          method,
          url: `/connect/api/${id}${path}`,
          headers: { authorization: `Bearer ${pageToken}` },
          ...(payload ? { payload } : {}),
        });
    };
    type Call = Awaited<ReturnType<typeof page>>;
    /** Polls the page's progress until `done`, as the page does. */
    const progressUntil = async (call: Call, done: (state: string) => boolean) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const progress = (await call('GET', '/progress')).json();
        if (done(progress.state)) return progress;
        assert.ok(Date.now() < deadline, `still ${progress.state}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    test('the page lists TestBank with its words, in English and Spanish', async () => {
      for (const [language, phrase] of [
        ['en', /one-time code/],
        ['es', /código de un solo uso/],
      ] as const) {
        const body = (await (await page(language))('GET', '')).json();
        const testBank = body.institutions.find((i: { id: string }) => i.id === TESTBANK);
        assert.equal(testBank.name, 'TestBank (Flanks test values)');
        assert.deepEqual(
          testBank.fields.map((f: { name: string }) => f.name),
          ['username', 'password'],
        );
        assert.match(testBank.description, phrase);
        for (const word of [
          'SCA_SMS',
          'SCA_APP',
          'SCA_COORDINATE',
          'INVALID_SCA',
          'DATA_ERROR_PRODUCT_ACCOUNT',
        ])
          assert.ok(testBank.description.includes(word), `${language}: ${word}`);
      }
    });

    test('SCA values INTERNAL_ERROR and USER_INTERACTION_NEEDED typed as the code end the login', async () => {
      await Promise.all(
        [
          ['SCA_EMAIL', 'INTERNAL_ERROR', 'institution_down'],
          ['SCA_GOOGLE_AUTHENTICATOR', 'user_interaction_needed', 'action_needed'],
        ].map(async ([password, value, status]) => {
          const call = await page();
          const submitted = await call('POST', '/credentials', {
            institution_id: TESTBANK,
            credentials: credentials(password!),
          });
          assert.equal(submitted.statusCode, 200, submitted.body);
          const asked = await progressUntil(call, (state) => state !== 'working');
          assert.equal(asked.state, 'challenge');
          assert.equal(asked.challenge.type, 'otp');
          const answered = await call('POST', '/answer', { answers: { code: value! } });
          assert.equal(answered.statusCode, 202, answered.body);
          const ended = await progressUntil(call, (state) => state !== 'working' && state !== 'challenge');
          assert.equal(ended.state, 'error', value);
          assert.equal(ended.status, status, value);
          assert.equal((await getConnection(ctx, token, ended.connection_id)).status, status);
        }),
      );
    });

    test('SCA_CODE then 123456 on the page: success', async () => {
      const call = await page();
      await call('POST', '/credentials', { institution_id: TESTBANK, credentials: credentials('SCA_CODE') });
      assert.equal((await progressUntil(call, (state) => state !== 'working')).state, 'challenge');
      assert.equal((await call('POST', '/answer', { answers: { code: '123456' } })).statusCode, 202);
      assert.equal(
        (await progressUntil(call, (state) => state !== 'working' && state !== 'challenge')).state,
        'success',
      );
    });
  });
});
