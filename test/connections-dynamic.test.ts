// Refreshes that bring changes (user_dynamic), the schedule, and isolation between clients.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queueDueRefreshes } from '../src/jobs/schedule-refreshes.ts';
import { connect, createConnection, getConnection, good, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';

let ctx: TestContext;
let token: string;

before(async () => {
  ctx = await buildTestContext();
  token = await ctx.tokenFor(await ctx.createClient());
});
after(() => ctx.close());

interface Txn {
  id: string;
  pending: boolean;
  pending_transaction_id: string | null;
  amount: string;
  description: string;
}

async function allTransactions(connectionId: string, as = token): Promise<Txn[]> {
  const result: Txn[] = [];
  let cursor = '';
  do {
    const page = (
      await ctx.call(as, { url: `/v1/transactions?connection_id=${connectionId}&page_size=1000${cursor}` })
    ).json();
    result.push(...page.data);
    cursor = page.next_cursor ? `&cursor=${page.next_cursor}` : '';
  } while (cursor);
  return result;
}

async function refreshAndWait(connectionId: string) {
  const response = await ctx.call(token, { method: 'POST', url: `/v1/connections/${connectionId}/refresh` });
  assert.equal(response.statusCode, 202, response.body);
  await waitForConnection(ctx, token, connectionId);
  return (await ctx.call(token, { url: `/v1/connections/${connectionId}/refreshes` })).json().data[0];
}

describe('user_dynamic: every refresh brings new data', () => {
  test('new pending purchases appear, pending ones settle linked to their posted twin, a hold vanishes', async () => {
    const connection = await connect(ctx, token, {
      ...good('user_dynamic'),
      products: ['accounts', 'transactions'],
    });
    const first = await allTransactions(connection.id);

    const r1 = await refreshAndWait(connection.id);
    assert.equal(r1.status, 'succeeded');
    const second = await allTransactions(connection.id);
    const newPending = second.filter((t) => t.pending && !first.some((f) => f.id === t.id));
    assert.equal(newPending.length, 3, 'three new purchases, pending');

    const r2 = await refreshAndWait(connection.id);
    const third = await allTransactions(connection.id);
    // Of round 1's three pending purchases, one hold vanished and two posted under new ids.
    const stillThere = newPending.filter((p) => third.some((t) => t.id === p.id));
    assert.equal(stillThere.length, 0, 'no pending transaction of round 1 is left');
    const posted = third.filter(
      (t) => t.pending_transaction_id && newPending.some((p) => p.id === t.pending_transaction_id),
    );
    assert.equal(posted.length, 2);
    for (const t of posted) {
      assert.equal(t.pending, false);
      const pending = newPending.find((p) => p.id === t.pending_transaction_id)!;
      assert.equal(t.amount, pending.amount);
    }
    assert.equal(r2.removed, 3, 'the hold and the two settled pending are removed');
    assert.equal(r2.added, 3 + 2, "round 2's three purchases and the two posted");
    assert.equal(r2.modified, 1, 'the account balance changed');
  });
});

describe('the schedule', () => {
  test('a recurrent connection whose time has come is refreshed; one that needs the user is not', async () => {
    const due = await connect(ctx, token, good('user_schedule'));
    const otpBank = await createConnection(ctx, token, good('user_good', 'ins_sandbox_otp_bank'));
    await waitForConnection(ctx, token, otpBank.id);
    await ctx.call(token, {
      method: 'POST',
      url: `/v1/connections/${otpBank.id}/challenge`,
      payload: { answers: { code: '123456' } },
    });
    await waitForConnection(ctx, token, otpBank.id);
    const past = new Date(Date.now() - 1000);
    await ctx.database.db
      .updateTable('connections')
      .set({ next_refresh_at: past })
      .where('id', 'in', [due.id, otpBank.id])
      .execute();

    const queued = await queueDueRefreshes(ctx.engine);
    assert.ok(queued >= 1);
    await waitForConnection(ctx, token, due.id);
    const refreshes = (await ctx.call(token, { url: `/v1/connections/${due.id}/refreshes` })).json().data;
    assert.deepEqual(
      refreshes.map((r: { trigger: string }) => r.trigger),
      ['scheduled', 'initial'],
    );
    assert.ok((await getConnection(ctx, token, due.id)).next_refresh_at! > new Date().toISOString());
    const otpRefreshes = (await ctx.call(token, { url: `/v1/connections/${otpBank.id}/refreshes` })).json()
      .data;
    assert.equal(otpRefreshes.length, 1, 'the bank asking a code on every login waits for the user');
  });
});

describe('listing connections', () => {
  test('filters by external_id, status and institution; pages with a cursor; each row is the full view', async () => {
    const user = `end-user-${Date.now()}`;
    const ok = await connect(ctx, token, { ...good('user_list_a'), external_id: user });
    const locked = await connect(ctx, token, {
      institution_id: 'ins_sandbox_bank',
      credentials: { username: 'user_locked', password: 'pass_good' },
      external_id: user,
    });
    const broker = await connect(ctx, token, {
      institution_id: 'ins_sandbox_broker',
      credentials: { document_type: 'nie', username: 'user_list_b', password: 'pass_good' },
      external_id: user,
    });
    const listed = (query: string) =>
      ctx.call(token, { url: `/v1/connections?external_id=${user}${query}` }).then((r) => r.json());

    const all = await listed('');
    assert.deepEqual(
      all.data.map((c: { id: string }) => c.id),
      [ok.id, locked.id, broker.id],
      'oldest first',
    );
    assert.deepEqual(
      all.data[1].status_history.map((e: { to: string }) => e.to),
      ['pending', 'locked'],
    );
    assert.deepEqual(
      (await listed('&status=locked')).data.map((c: { id: string }) => c.id),
      [locked.id],
    );
    assert.deepEqual(
      (await listed('&institution_id=ins_sandbox_broker')).data.map((c: { id: string }) => c.id),
      [broker.id],
    );

    const seen: string[] = [];
    let cursor = '';
    do {
      const page = await listed(`&page_size=1${cursor}`);
      seen.push(...page.data.map((c: { id: string }) => c.id));
      cursor = page.next_cursor ? `&cursor=${page.next_cursor}` : '';
    } while (cursor);
    assert.deepEqual(seen, [ok.id, locked.id, broker.id]);
    const bad = await ctx.call(token, { url: '/v1/connections?status=sleeping' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().errors[0].pointer, '/query/status');
  });
});

describe('an unanswered challenge', () => {
  test('expires: the refresh fails, the challenge closes, and a new refresh can start', async () => {
    const created = await createConnection(ctx, token, good('user_otp'));
    const waiting = await waitForConnection(ctx, token, created.id);
    await ctx.database.db
      .updateTable('challenges')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', waiting.challenge!.id)
      .execute();
    await queueDueRefreshes(ctx.engine);
    const expired = await waitForConnection(ctx, token, created.id, (c) => c.refresh === null);
    assert.equal(expired.challenge, null);
    assert.equal(expired.status, 'challenge_required');
    const [refresh] = (await ctx.call(token, { url: `/v1/connections/${created.id}/refreshes` })).json().data;
    assert.deepEqual([refresh.status, refresh.error_code], ['failed', 'challenge_expired']);
    const again = await ctx.call(token, { method: 'POST', url: `/v1/connections/${created.id}/refresh` });
    assert.equal(again.statusCode, 202);
    assert.notEqual(again.json().id, refresh.id);
  });
});

describe("another client's token", () => {
  test('finds none of this client’s connections or data (404, empty lists)', async () => {
    const mine = await connect(ctx, token, good('user_private'));
    const other = await ctx.tokenFor(await ctx.createClient());
    for (const [method, url, payload] of [
      ['GET', `/v1/connections/${mine.id}`],
      ['GET', `/v1/connections/${mine.id}/refreshes`],
      ['POST', `/v1/connections/${mine.id}/refresh`],
      ['POST', `/v1/connections/${mine.id}/challenge`, { answers: { code: '123456' } }],
      ['PUT', `/v1/connections/${mine.id}/credentials`, { credentials: { username: 'x12', password: 'y' } }],
      ['POST', `/v1/connections/${mine.id}/disable`],
      ['POST', `/v1/connections/${mine.id}/enable`],
      ['DELETE', `/v1/connections/${mine.id}`],
    ] as const) {
      const response = await ctx.call(other, { method, url, payload });
      assert.equal(response.statusCode, 404, `${method} ${url}: ${response.body}`);
      assert.equal(response.json().code, 'NOT_FOUND');
    }
    assert.deepEqual((await ctx.call(other, { url: '/v1/connections' })).json().data, []);
    // A connection of another client named in a data filter is not found either.
    for (const url of [
      `/v1/accounts?connection_id=${mine.id}`,
      `/v1/transactions?connection_id=${mine.id}`,
    ]) {
      assert.equal((await ctx.call(other, { url })).statusCode, 404, url);
    }
    assert.deepEqual((await ctx.call(other, { url: '/v1/transactions' })).json().data, []);
    // And nothing was changed for the owner.
    const still = await getConnection(ctx, token, mine.id);
    assert.equal(still.status, 'ok');
    assert.equal(
      (await ctx.call(token, { url: `/v1/connections/${mine.id}/refreshes` })).json().data.length,
      1,
    );
  });
});
