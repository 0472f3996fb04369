// The login-outcome wait the vendor facades answer synchronous logins with (services/login-wait.ts):
// each sandbox persona's first refresh ends its wait with the outcome the API then shows.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitForLogin } from '../src/services/login-wait.ts';
import { createConnection, getConnection, good } from './helpers/connections.ts';
import { buildTestContext, type TestClient, type TestContext } from './helpers/context.ts';

let ctx: TestContext;
let client: TestClient;
let token: string;

before(async () => {
  ctx = await buildTestContext();
  client = await ctx.createClient();
  token = await ctx.tokenFor(client);
});
after(() => ctx.close());

const wait = (id: string, clientId = client.id) =>
  waitForLogin(ctx.engine, clientId, id, { timeoutMs: 60_000 });

test('a good login ends the wait once the login succeeded, before or while the records load', async () => {
  const created = await createConnection(ctx, token, good());
  const outcome = await wait(created.id);
  assert.equal(outcome.outcome, 'logged_in');
  const [refresh] = (await ctx.call(token, { url: `/v1/connections/${created.id}/refreshes` })).json().data;
  assert.equal(refresh.id, outcome.refreshId);
  // The login time is kept on the refresh row, before the refresh ends.
  const row = await ctx.database.db
    .selectFrom('refreshes')
    .select(['logged_in_at', 'started_at'])
    .where('id', '=', outcome.refreshId)
    .executeTakeFirstOrThrow();
  assert.ok(row.logged_in_at && row.started_at && row.logged_in_at >= row.started_at);
});

test('a one-time code ends the wait with a challenge the API shows', async () => {
  const created = await createConnection(ctx, token, good('user_otp'));
  assert.equal((await wait(created.id)).outcome, 'challenge');
  assert.equal((await getConnection(ctx, token, created.id)).challenge?.type, 'otp');
});

test('a refused login ends the wait with the connection’s error status', async () => {
  for (const [username, status] of [
    ['user_locked', 'locked'],
    ['nobody', 'credentials_invalid'],
  ] as const) {
    const created = await createConnection(ctx, token, {
      institution_id: 'ins_sandbox_bank',
      credentials: { username, password: username === 'nobody' ? 'wrong' : 'pass_good' },
    });
    const outcome = await wait(created.id);
    assert.equal(outcome.outcome, 'failed', username);
    assert.equal(outcome.outcome === 'failed' && outcome.status, status);
    assert.equal((await getConnection(ctx, token, created.id)).status, status);
  }
});

test('another client’s connection is not found', async () => {
  const created = await createConnection(ctx, token, good());
  const stranger = await ctx.createClient();
  await assert.rejects(wait(created.id, stranger.id), { code: 'NOT_FOUND' });
});
