// Many callers at once on one thing: the answer a client depends on is exactly one effect. On
// PostgreSQL the requests truly race (a pool of connections); on PGlite they interleave at every
// await. Both run in CI.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestContext, type TestContext } from './helpers/context.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked by the assertions
type Json = Record<string, any>;

describe('concurrent requests', () => {
  let ctx: TestContext;
  let token: string;

  before(async () => {
    ctx = await buildTestContext();
    token = await ctx.tokenFor(await ctx.createClient());
  });
  after(() => ctx.close());

  const create = (key: string, username: string) =>
    ctx.call(token, {
      method: 'POST',
      url: '/v1/connections',
      headers: { 'idempotency-key': key },
      payload: {
        institution_id: 'ins_sandbox_bank',
        credentials: { username, password: 'pass_good' },
        access_mode: 'recurrent',
        external_id: `idem-${key}`,
      },
    });

  const connectionsOf = async (externalId: string): Promise<Json[]> => {
    const response = await ctx.call(token, {
      url: `/v1/connections?external_id=${externalId}&page_size=100`,
    });
    assert.equal(response.statusCode, 200, response.body);
    return response.json().data;
  };

  test('100 creates at once with one Idempotency-Key: one connection, every answer it or "retry"', async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, () => create('burst-1', 'user_good')));
    const created = answers.filter((a) => a.statusCode === 201);
    const inProgress = answers.filter((a) => a.statusCode === 409);
    assert.equal(created.length + inProgress.length, 100, answers.map((a) => a.statusCode).join(','));
    assert.ok(created.length >= 1);
    // Every 201 names the same connection (the first, replayed); every 409 says to retry.
    assert.equal(new Set(created.map((a) => a.json().id)).size, 1);
    for (const answer of inProgress) {
      assert.equal(answer.json().code, 'IDEMPOTENCY_IN_PROGRESS');
      assert.ok(Number(answer.headers['retry-after']) >= 1);
    }
    assert.equal((await connectionsOf('idem-burst-1')).length, 1, 'exactly one effect');
    // Retried now, the same request gets the same connection.
    const again = await create('burst-1', 'user_good');
    assert.equal(again.statusCode, 201);
    assert.equal(again.json().id, created[0]!.json().id);
  });

  test('the same key with another request, at once and after: 422, and nothing of it is created', async () => {
    const answers = await Promise.all([
      create('burst-2', 'user_good'),
      ...Array.from({ length: 20 }, () => create('burst-2', 'user_otp')),
    ]);
    const statuses = answers.map((a) => a.statusCode).join(',');
    // The first to claim the key wins; a request unlike the winner's is refused with 422, one
    // like it is answered as the winner is (its 201 replayed) or told to retry (409).
    const [good, ...otp] = answers;
    const [winners, others] = good!.statusCode === 201 ? [[good!], otp] : [otp, [good!]];
    const created = winners.filter((a) => a.statusCode === 201);
    assert.ok(created.length >= 1, statuses);
    assert.equal(new Set(created.map((a) => a.json().id)).size, 1, statuses);
    for (const answer of winners.filter((a) => a.statusCode !== 201)) {
      assert.equal(answer.statusCode, 409, statuses);
      assert.equal(answer.json().code, 'IDEMPOTENCY_IN_PROGRESS');
    }
    for (const answer of others) {
      assert.equal(answer.statusCode, 422, statuses);
      assert.equal(answer.json().code, 'IDEMPOTENCY_KEY_REUSED');
    }
    assert.equal((await connectionsOf('idem-burst-2')).length, 1);
  });

  test('one statement file imported ten times at once into one connection: its transactions once', async () => {
    const qif = Array.from(
      { length: 40 },
      (_, i) => `D2026-10-${String((i % 28) + 1).padStart(2, '0')}\nT-${i + 1}.50\nPPayee ${i}\n^\n`,
    ).join('');
    const file = Buffer.from(`!Type:Bank\n${qif}`);
    const upload = (query: string) =>
      ctx.call(token, {
        method: 'POST',
        url: `/v1/imports?currency=EUR${query}`,
        headers: { 'content-type': 'application/octet-stream' },
        payload: file,
      });
    const first = await upload('&external_id=concurrent-imports');
    assert.equal(first.statusCode, 201, first.body);
    const connectionId = first.json().connection_id as string;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => upload(`&connection_id=${connectionId}`)),
    );
    for (const answer of answers) assert.equal(answer.statusCode, 201, answer.body);
    const page = await ctx.call(token, {
      url: `/v1/transactions?connection_id=${connectionId}&page_size=1000`,
    });
    assert.equal(page.statusCode, 200);
    assert.equal(page.json().data.length, 40, 'no transaction twice');
    // Each later import found every transaction already there.
    for (const answer of answers) {
      assert.equal(answer.json().summary.added, 0);
      assert.equal(answer.json().summary.modified, 0);
    }
  });
});
