// Connections end to end through the API: the sandbox bank family, challenges, errors, updates,
// refreshes, disable/enable and delete, each checked against what is stored.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isValidIban } from '../src/domain/identifiers.ts';
import { connect, createConnection, getConnection, good, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';

let ctx: TestContext;
let token: string;

before(async () => {
  ctx = await buildTestContext();
  token = await ctx.tokenFor(await ctx.createClient());
});
after(() => ctx.close());

const list = async (path: string) => {
  const response = await ctx.call(token, { url: path });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
};

describe('a working bank login', () => {
  test('user_good: pending at once, then ok with every product extracted', async () => {
    const created = await createConnection(ctx, token, good());
    assert.equal(created.status, 'pending');
    assert.match(created.id, /^con_/);
    assert.ok(created.refresh, 'the first refresh is queued');
    const connection = await waitForConnection(ctx, token, created.id);
    assert.equal(connection.status, 'ok');
    assert.equal(connection.needs_user, false);
    for (const [product, state] of Object.entries(connection.product_status)) {
      assert.deepEqual([state.created, state.errored], [true, false], product);
    }
    assert.equal(connection.product_status.transactions!.count, 420);
    assert.deepEqual(
      connection.status_history.map((e) => [e.from, e.to]),
      [
        [null, 'pending'],
        ['pending', 'ok'],
      ],
    );
    assert.ok(connection.next_refresh_at, 'a recurrent connection is scheduled');
    assert.ok(connection.last_transaction_date);

    const accounts = (await list(`/v1/accounts?connection_id=${created.id}`)).data;
    assert.equal(accounts.length, 3);
    for (const account of accounts) assert.ok(isValidIban(account.iban), account.iban);

    const current = accounts.find(
      (a: { type: string; num_owners: number }) => a.type === 'current' && a.num_owners === 1,
    );
    const transactions: Array<{
      amount: string;
      balance: string | null;
      account_id: string;
      operation_date: string;
    }> = [];
    let cursor = '';
    do {
      const page = await list(
        `/v1/transactions?connection_id=${created.id}&account_id=${current.id}&page_size=100${cursor}`,
      );
      transactions.push(...page.data);
      cursor = page.next_cursor ? `&cursor=${page.next_cursor}` : '';
    } while (cursor);
    assert.equal(transactions.length, 420);
    // Every movement carries Tesoro's category beside the bank's own.
    const categorised = transactions as unknown as Array<{
      category: string;
      bank_category: string;
      merchant_name: string | null;
    }>;
    assert.ok(categorised.every((t) => typeof t.category === 'string' && t.bank_category));
    assert.ok(categorised.some((t) => t.category === 'income' && t.bank_category === 'Nómina'));
    assert.ok(categorised.some((t) => t.merchant_name === 'Mercadona' && t.category === 'groceries'));
    assert.ok(transactions.every((t) => t.account_id === current.id));
    // Running balances add up: day after day, the movements of a day chain from the previous
    // day's closing balance (the API orders a day's movements by id, not by time).
    const booked = transactions.filter((t) => t.balance !== null);
    const days = [...new Set(booked.map((t) => t.operation_date))].sort();
    const cents = (text: string) => Math.round(Number(text) * 100);
    let closing: number | undefined;
    for (const day of days) {
      const movements = booked.filter((t) => t.operation_date === day);
      let balance: number;
      if (closing === undefined) {
        // First day: start from the movement whose previous balance is no other movement's.
        const first = movements.find(
          (t) => !movements.some((o) => cents(o.balance!) === cents(t.balance!) - cents(t.amount)),
        )!;
        balance = cents(first.balance!) - cents(first.amount);
      } else {
        balance = closing;
      }
      const left = [...movements];
      while (left.length > 0) {
        const next = left.findIndex((t) => cents(t.balance!) === balance + cents(t.amount));
        assert.ok(next >= 0, `no movement continues the balance ${balance} on ${day}`);
        balance += cents(left[next]!.amount);
        left.splice(next, 1);
      }
      closing = balance;
    }
    assert.equal(closing, cents(current.balance));

    const refreshes = (await list(`/v1/connections/${created.id}/refreshes`)).data;
    assert.equal(refreshes.length, 1);
    assert.equal(refreshes[0].status, 'succeeded');
    const total = Object.values(connection.product_status).reduce((sum, s) => sum + s.count, 0);
    assert.equal(refreshes[0].added, total);
    assert.ok(refreshes[0].duration_ms >= 0);
  });

  test('a refresh of unchanged data stores nothing new and keeps every id', async () => {
    const connection = await connect(ctx, token, good('user_same'));
    const before = (await list(`/v1/transactions?connection_id=${connection.id}&page_size=1000`)).data.map(
      (t: { id: string }) => t.id,
    );
    const refresh = await ctx.call(token, {
      method: 'POST',
      url: `/v1/connections/${connection.id}/refresh`,
    });
    assert.equal(refresh.statusCode, 202);
    await waitForConnection(ctx, token, connection.id);
    const [latest] = (await list(`/v1/connections/${connection.id}/refreshes`)).data;
    assert.deepEqual([latest.status, latest.added, latest.modified, latest.removed], ['succeeded', 0, 0, 0]);
    const afterIds = (await list(`/v1/transactions?connection_id=${connection.id}&page_size=1000`)).data.map(
      (t: { id: string }) => t.id,
    );
    assert.deepEqual(afterIds, before);
  });

  test('asking for a refresh while one is in flight returns that one', async () => {
    // user_otp's first refresh waits for the code, so it stays in flight for as long as the test needs.
    const created = await createConnection(ctx, token, good('user_otp'));
    const first = (
      await ctx.call(token, { method: 'POST', url: `/v1/connections/${created.id}/refresh` })
    ).json();
    const second = (
      await ctx.call(token, { method: 'POST', url: `/v1/connections/${created.id}/refresh` })
    ).json();
    assert.equal(first.id, created.refresh!.id);
    assert.equal(second.id, first.id);
    const waiting = await waitForConnection(ctx, token, created.id);
    assert.equal(waiting.refresh!.id, first.id);
    assert.equal((await list(`/v1/connections/${created.id}/refreshes`)).data.length, 1);
  });

  test('the broker: portfolios, investments with valid ISINs, investment transactions and MiFID', async () => {
    const connection = await connect(ctx, token, {
      institution_id: 'ins_sandbox_broker',
      credentials: { document_type: 'nif', username: 'user_good', password: 'pass_good' },
    });
    assert.equal(connection.status, 'ok');
    for (const product of ['portfolios', 'investments', 'investment_transactions', 'mifid']) {
      assert.ok(connection.product_status[product]!.count > 0, product);
    }
    const isins = await ctx.database.db
      .selectFrom('investments')
      .select('data')
      .where('connection_id', '=', connection.id)
      .execute();
    const types = new Set(isins.map((row) => (row.data as { type: string }).type));
    for (const type of ['F', 'VI', 'ETF', 'FI', 'PP']) assert.ok(types.has(type), type);
  });

  test('a one-shot connection drops its credentials when the extraction ends', async () => {
    const connection = await connect(ctx, token, { ...good('user_once'), access_mode: 'single' });
    assert.equal(connection.status, 'ok');
    assert.equal(connection.has_credentials, false);
    assert.equal(connection.next_refresh_at, null);
    const row = await ctx.database.db
      .selectFrom('connections')
      .select(['credentials_sealed', 'session_sealed'])
      .where('id', '=', connection.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { credentials_sealed: null, session_sealed: null });
    const refresh = await ctx.call(token, {
      method: 'POST',
      url: `/v1/connections/${connection.id}/refresh`,
    });
    assert.equal(refresh.statusCode, 409);
    assert.equal(refresh.json().code, 'CONNECTION_CONSENT_ENDED');
  });

  test('the bank that asks a code on every login is never scheduled: it needs the user', async () => {
    const created = await createConnection(ctx, token, good('user_good', 'ins_sandbox_otp_bank'));
    const waiting = await waitForConnection(ctx, token, created.id);
    assert.equal(waiting.status, 'challenge_required');
    const answered = await ctx.call(token, {
      method: 'POST',
      url: `/v1/connections/${created.id}/challenge`,
      payload: { answers: { code: '123456' } },
    });
    assert.equal(answered.statusCode, 200, answered.body);
    const done = await waitForConnection(ctx, token, created.id);
    assert.equal(done.status, 'ok');
    assert.equal(done.needs_user, true);
    assert.equal(done.next_refresh_at, null);
  });
});

describe('challenges', () => {
  test('user_otp: a wrong code says how many attempts are left, the right one completes', async () => {
    const created = await createConnection(ctx, token, good('user_otp'));
    const waiting = await waitForConnection(ctx, token, created.id);
    assert.equal(waiting.status, 'challenge_required');
    assert.equal(waiting.challenge!.type, 'otp');
    assert.deepEqual(
      waiting.challenge!.fields.map((f) => f.name),
      ['code'],
    );
    assert.equal(waiting.challenge!.attempts_left, 3);

    const wrong = await ctx.call(token, {
      method: 'POST',
      url: `/v1/connections/${created.id}/challenge`,
      payload: { answers: { code: '000000' } },
    });
    assert.equal(wrong.statusCode, 422);
    assert.equal(wrong.json().code, 'CHALLENGE_FAILED');
    assert.equal(wrong.json().attempts_left, 2);

    const malformed = await ctx.call(token, {
      method: 'POST',
      url: `/v1/connections/${created.id}/challenge`,
      payload: { answers: { code: 'abc' } },
    });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().errors[0].pointer, '/body/answers/code');

    const right = await ctx.call(token, {
      method: 'POST',
      url: `/v1/connections/${created.id}/challenge`,
      payload: { answers: { code: '123456' } },
    });
    assert.equal(right.statusCode, 200, right.body);
    assert.ok(['pending', 'ok'].includes(right.json().status), 'accepted: no longer waiting for the user');
    assert.equal(right.json().challenge, null);
    const done = await waitForConnection(ctx, token, created.id);
    assert.equal(done.status, 'ok');
    assert.equal(done.challenge, null);
    assert.deepEqual(
      done.status_history.map((e) => e.to),
      ['pending', 'challenge_required', 'pending', 'ok'],
    );
  });

  test('three wrong answers fail the refresh; the connection waits for the user', async () => {
    const created = await createConnection(ctx, token, good('user_otp'));
    await waitForConnection(ctx, token, created.id);
    const attempts = [];
    for (let i = 0; i < 3; i++) {
      const response = await ctx.call(token, {
        method: 'POST',
        url: `/v1/connections/${created.id}/challenge`,
        payload: { answers: { code: '999999' } },
      });
      attempts.push(response.json().attempts_left);
    }
    assert.deepEqual(attempts, [2, 1, 0]);
    const connection = await getConnection(ctx, token, created.id);
    assert.equal(connection.status, 'challenge_required');
    assert.equal(connection.needs_user, true);
    assert.equal(connection.refresh, null);
    const late = await ctx.call(token, {
      method: 'POST',
      url: `/v1/connections/${created.id}/challenge`,
      payload: { answers: { code: '123456' } },
    });
    assert.equal(late.json().code, 'CHALLENGE_NOT_OPEN');
  });

  test('user_question: a security question answered with tesoro', async () => {
    const created = await createConnection(ctx, token, good('user_question'));
    const waiting = await waitForConnection(ctx, token, created.id);
    assert.equal(waiting.challenge!.type, 'question');
    assert.match(waiting.challenge!.prompt, /pet/);
    const response = await ctx.call(token, {
      method: 'POST',
      url: `/v1/connections/${created.id}/challenge`,
      payload: { answers: { answer: 'Tesoro' } },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal((await waitForConnection(ctx, token, created.id)).status, 'ok');
  });

  test('user_decoupled: approved in the app after ~3 s with nothing sent', async () => {
    const created = await createConnection(ctx, token, good('user_decoupled'));
    const waiting = await waitForConnection(ctx, token, created.id, (c) => c.challenge !== null);
    assert.equal(waiting.challenge!.type, 'decoupled');
    assert.deepEqual(waiting.challenge!.fields, []);
    const done = await waitForConnection(ctx, token, created.id, (c) => c.status === 'ok', 30_000);
    assert.equal(done.challenge, null);
  });
});

describe('login failures', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['user_locked', 'pass_good', 'locked', true],
    ['user_expired', 'pass_good', 'password_expired', true],
    ['user_action', 'pass_good', 'action_needed', true],
    ['user_down', 'pass_good', 'institution_down', false],
    ['user_ratelimited', 'pass_good', 'rate_limited', false],
    ['user_good', 'wrong', 'credentials_invalid', true],
  ];
  for (const [username, password, status, needsUser] of cases) {
    test(`${username} / ${password} → ${status}`, async () => {
      const created = await createConnection(ctx, token, {
        institution_id: 'ins_sandbox_bank',
        credentials: { username, password },
      });
      const connection = await waitForConnection(ctx, token, created.id);
      assert.equal(connection.status, status);
      assert.equal(connection.needs_user, needsUser);
      assert.ok((connection.status_detail as string).length > 20);
      // Retryable problems come back on their own; the others wait for the user.
      assert.equal(connection.next_refresh_at !== null, !needsUser);
      const [refresh] = (await list(`/v1/connections/${created.id}/refreshes`)).data;
      assert.equal(refresh.status, 'failed');
      assert.equal(refresh.error_code, status);
    });
  }
});

describe('updating, disabling and deleting', () => {
  test('new credentials keep the connection id and every data id', async () => {
    const created = await createConnection(ctx, token, {
      institution_id: 'ins_sandbox_bank',
      credentials: { username: 'user_pw', password: 'old' },
    });
    assert.equal((await waitForConnection(ctx, token, created.id)).status, 'credentials_invalid');
    const put = await ctx.call(token, {
      method: 'PUT',
      url: `/v1/connections/${created.id}/credentials`,
      payload: { credentials: { username: 'user_pw', password: 'pass_good' } },
    });
    assert.equal(put.statusCode, 202, put.body);
    assert.equal(put.json().trigger, 'credentials_update');
    const fixed = await waitForConnection(ctx, token, created.id);
    assert.equal(fixed.status, 'ok');
    const ids = (await list(`/v1/accounts?connection_id=${created.id}`)).data.map(
      (a: { id: string }) => a.id,
    );
    await ctx.call(token, {
      method: 'PUT',
      url: `/v1/connections/${created.id}/credentials`,
      payload: { credentials: { username: 'user_pw', password: 'pass_good' } },
    });
    await waitForConnection(ctx, token, created.id);
    assert.deepEqual(
      (await list(`/v1/accounts?connection_id=${created.id}`)).data.map((a: { id: string }) => a.id),
      ids,
    );
  });

  test('new credentials supersede a refresh waiting for a challenge', async () => {
    const created = await createConnection(ctx, token, good('user_otp'));
    const waiting = await waitForConnection(ctx, token, created.id);
    assert.equal(waiting.status, 'challenge_required');
    const put = await ctx.call(token, {
      method: 'PUT',
      url: `/v1/connections/${created.id}/credentials`,
      payload: { credentials: { username: 'user_otp', password: 'pass_good' } },
    });
    assert.equal(put.statusCode, 202);
    assert.notEqual(put.json().id, waiting.refresh!.id);
    const again = await waitForConnection(ctx, token, created.id);
    assert.equal(again.challenge!.type, 'otp', 'the new login asks its own code');
    const refreshes = (await list(`/v1/connections/${created.id}/refreshes`)).data;
    assert.deepEqual(
      refreshes.map((r: { status: string; error_code: string | null }) => [r.status, r.error_code]),
      [
        ['waiting_user', null],
        ['failed', 'superseded'],
      ],
    );
  });

  test('a disabled connection refuses refreshes until enabled', async () => {
    const connection = await connect(ctx, token, good('user_toggle'));
    const disabled = (
      await ctx.call(token, { method: 'POST', url: `/v1/connections/${connection.id}/disable` })
    ).json();
    assert.equal(disabled.status, 'disabled');
    assert.equal(disabled.next_refresh_at, null);
    const refused = await ctx.call(token, {
      method: 'POST',
      url: `/v1/connections/${connection.id}/refresh`,
    });
    assert.equal(refused.json().code, 'CONNECTION_DISABLED');
    assert.equal(
      (await list(`/v1/accounts?connection_id=${connection.id}`)).data.length,
      3,
      'data stays readable',
    );
    const enabled = (
      await ctx.call(token, { method: 'POST', url: `/v1/connections/${connection.id}/enable` })
    ).json();
    assert.equal(enabled.status, 'pending');
    assert.equal((await waitForConnection(ctx, token, connection.id)).status, 'ok');
  });

  test('delete removes the connection, its credentials and every derived row at once', async () => {
    const connection = await connect(ctx, token, good('user_delete'));
    const response = await ctx.call(token, { method: 'DELETE', url: `/v1/connections/${connection.id}` });
    assert.equal(response.statusCode, 204);
    assert.equal((await ctx.call(token, { url: `/v1/connections/${connection.id}` })).statusCode, 404);
    for (const table of [
      'accounts',
      'transactions',
      'cards',
      'card_transactions',
      'liabilities',
      'liability_transactions',
      'identities',
      'holders',
      'refreshes',
      'challenges',
      'connection_status_events',
    ] as const) {
      const rows = await ctx.database.db
        .selectFrom(table)
        .select('connection_id')
        .where('connection_id', '=', connection.id)
        .execute();
      assert.equal(rows.length, 0, table);
    }
    assert.equal(
      (await ctx.call(token, { method: 'DELETE', url: `/v1/connections/${connection.id}` })).statusCode,
      404,
    );
  });
});

describe('bad input changes nothing', () => {
  const count = async () => (await ctx.database.db.selectFrom('connections').select('id').execute()).length;

  test('credentials are checked against the institution form; every bad field is named', async () => {
    const before = await count();
    const response = await ctx.call(token, {
      method: 'POST',
      url: '/v1/connections',
      payload: {
        institution_id: 'ins_sandbox_broker',
        credentials: { username: 'a b', password: 'x', pin: '1' },
        access_mode: 'recurrent',
      },
    });
    assert.equal(response.statusCode, 400);
    const pointers = response
      .json()
      .errors.map((e: { pointer: string }) => e.pointer)
      .sort();
    assert.deepEqual(pointers, [
      '/body/credentials/document_type',
      '/body/credentials/pin',
      '/body/credentials/username',
    ]);
    assert.equal(await count(), before);
  });

  test('unknown institution, product not offered, bad interval and unknown fields are 400s', async () => {
    const before = await count();
    for (const [payload, pointer] of [
      [{ ...good(), institution_id: 'ins_nope' }, '/body/institution_id'],
      [{ ...good(), products: ['mifid'] }, '/body/products/0'],
      [{ ...good(), refresh_interval: '1h' }, '/body/refresh_interval'],
      [{ ...good(), access_mode: 'single', refresh_interval: '6h' }, '/body/refresh_interval'],
      [{ ...good(), colour: 'red' }, '/body/colour'],
      [{ credentials: {}, access_mode: 'recurrent' }, '/body/institution_id'],
    ] as const) {
      const response = await ctx.call(token, {
        method: 'POST',
        url: '/v1/connections',
        payload: { access_mode: 'recurrent', ...payload },
      });
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.ok(
        response.json().errors.some((e: { pointer: string }) => e.pointer === pointer),
        `${pointer}: ${response.body}`,
      );
    }
    assert.equal(await count(), before);
  });

  test('Idempotency-Key: same request → same connection; other request → 422', async () => {
    const headers = { 'idempotency-key': 'create-user-idem-1' };
    const first = await createConnection(ctx, token, good('user_idem'), headers);
    const again = await ctx.call(token, {
      method: 'POST',
      url: '/v1/connections',
      payload: { access_mode: 'recurrent', ...good('user_idem') },
      headers,
    });
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.json().id, first.id);
    const other = await ctx.call(token, {
      method: 'POST',
      url: '/v1/connections',
      payload: { access_mode: 'recurrent', ...good('user_other') },
      headers,
    });
    assert.equal(other.statusCode, 422);
    assert.equal(other.json().code, 'IDEMPOTENCY_KEY_REUSED');
    const rows = await ctx.database.db
      .selectFrom('connections')
      .select('id')
      .where('id', '=', first.id)
      .execute();
    assert.equal(rows.length, 1);
    await waitForConnection(ctx, token, first.id);
  });

  test('an Idempotency-Key that is empty, too long or not visible ASCII is a 400 on the header; nothing is created', async () => {
    const before = await count();
    for (const key of ['', 'a'.repeat(256), 'clé', 'two words']) {
      const response = await ctx.call(token, {
        method: 'POST',
        url: '/v1/connections',
        payload: { access_mode: 'recurrent', ...good('user_badkey') },
        headers: { 'idempotency-key': key },
      });
      assert.equal(response.statusCode, 400, key);
      assert.equal(response.json().code, 'VALIDATION_FAILED');
      assert.deepEqual(
        response.json().errors.map((e: { pointer: string }) => e.pointer),
        ['/header/idempotency-key'],
        key,
      );
    }
    assert.equal(await count(), before);
  });
});

test('credentials are stored sealed: the password appears nowhere in the database rows', async () => {
  const password = 'pass_good';
  const connection = await connect(ctx, token, {
    institution_id: 'ins_sandbox_bank',
    credentials: { username: 'user_secret_probe', password },
  });
  const { sql } = await import('kysely');
  const rows = await sql<{
    t: string;
  }>`select c::text as t from connections c where id = ${connection.id}`.execute(ctx.database.db);
  assert.ok(!rows.rows[0]!.t.includes(password));
  assert.ok(!rows.rows[0]!.t.includes('user_secret_probe'));
  assert.ok(!ctx.logText().includes(password), 'nor in the log');
});
