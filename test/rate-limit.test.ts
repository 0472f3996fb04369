// Per-client rate limits: a client over its budget gets 429 RATE_LIMITED with Retry-After; other
// clients and the health checks are not affected.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildTestContext, type TestContext } from './helpers/context.ts';

const LIMIT = 5;
let ctx: TestContext;

before(async () => {
  ctx = await buildTestContext({ rateLimitPerMinute: LIMIT });
});
after(() => ctx.close());

test('the request after the budget is a 429 problem with Retry-After; another client still passes', async () => {
  // Issued directly, so the token endpoint's own (per-IP) budget is left for the last check.
  const { issueAccessToken, TEST_ISSUER } = await import('./helpers/context.ts');
  const busy = await ctx.createClient();
  const calm = await ctx.createClient();
  const busyToken = (await issueAccessToken(ctx.keys, TEST_ISSUER, busy.id, ['data:read'])).access_token;
  const calmToken = (await issueAccessToken(ctx.keys, TEST_ISSUER, calm.id, ['data:read'])).access_token;
  for (let i = 0; i < LIMIT; i++) {
    assert.equal(
      (await ctx.call(busyToken, { url: '/v1/institutions' })).statusCode,
      200,
      `request ${i + 1}`,
    );
  }
  const refused = await ctx.call(busyToken, { url: '/v1/institutions' });
  assert.equal(refused.statusCode, 429);
  assert.equal(refused.json().code, 'RATE_LIMITED');
  assert.equal(refused.json().retryable, true);
  assert.match(refused.headers['content-type'] as string, /application\/problem\+json/);
  assert.ok(Number(refused.headers['retry-after']) > 0);
  assert.equal((await ctx.call(calmToken, { url: '/v1/institutions' })).statusCode, 200);
  for (let i = 0; i < LIMIT + 2; i++)
    assert.equal((await ctx.app.inject({ url: '/health' })).statusCode, 200);
});

test('before authentication the budget is per address (the token endpoint)', async () => {
  const client = await ctx.createClient();
  const ask = () =>
    ctx.app.inject({
      method: 'POST',
      url: '/v1/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: client.id, client_secret: 'wrong' },
    });
  const codes: number[] = [];
  for (let i = 0; i <= LIMIT; i++) codes.push((await ask()).statusCode);
  assert.deepEqual(codes, [...Array(LIMIT).fill(401), 429]);
});
