// Health, readiness, the key set, and what an unexpected failure looks like from outside.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { buildTestContext, type TestContext } from './helpers/context.ts';

let ctx: TestContext;

before(async () => {
  ctx = await buildTestContext({
    extraRoutes: (app) =>
      app.get('/test/boom', { schema: { hide: true } }, async () => {
        throw new Error('database password=hunter2 leaked in a stack trace');
      }),
  });
});
after(() => ctx.close());

test('/health answers ok', async () => {
  const response = await ctx.app.inject({ url: '/health' });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), { status: 'ok' });
});

test('/ready answers ready with the engine when migrations are current', async () => {
  const response = await ctx.app.inject({ url: '/ready' });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), { status: 'ready', database: ctx.database.engine });
});

test('/ready is 503 NOT_READY while a migration is pending', async () => {
  const [applied] = await ctx.database.db
    .selectFrom('kysely_migration' as never)
    .select(sql<string>`name`.as('name'))
    .execute();
  await sql`delete from kysely_migration where name = ${applied!.name}`.execute(ctx.database.db);
  try {
    const response = await ctx.app.inject({ url: '/ready' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json().code, 'NOT_READY');
    assert.match(response.json().detail, new RegExp(applied!.name));
  } finally {
    await sql`insert into kysely_migration (name, timestamp) values (${applied!.name}, ${new Date().toISOString()})`.execute(
      ctx.database.db,
    );
  }
  assert.equal((await ctx.app.inject({ url: '/ready' })).statusCode, 200);
});

test('the JWKS publishes one ES256 signing key and one RSA-OAEP-256 encryption key, public halves only', async () => {
  const { keys } = (await ctx.app.inject({ url: '/.well-known/jwks.json' })).json();
  const sig = keys.filter((k: { use: string }) => k.use === 'sig');
  const enc = keys.filter((k: { use: string }) => k.use === 'enc');
  assert.equal(sig.length, 1);
  assert.equal(enc.length, 1);
  assert.equal(sig[0].alg, 'ES256');
  assert.equal(enc[0].alg, 'RSA-OAEP-256');
  for (const key of keys) {
    assert.ok(key.kid);
    for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(key[privatePart], undefined);
  }
});

test('private keys are stored sealed, never as plain JWK', async () => {
  const rows = await ctx.database.db.selectFrom('crypto_keys').select(['private_jwk_sealed']).execute();
  for (const row of rows) {
    assert.doesNotMatch(row.private_jwk_sealed, /"d"/);
    assert.match(row.private_jwk_sealed, /^v\d+\.[A-Za-z0-9_-]+~[A-Za-z0-9_-]+$/);
  }
});

test('an unexpected error is a generic 500 problem; the details go to the log only', async () => {
  const response = await ctx.app.inject({ url: '/test/boom', headers: { 'x-request-id': 'trace-me-42' } });
  assert.equal(response.statusCode, 500);
  const body = response.json();
  assert.equal(body.code, 'INTERNAL_ERROR');
  assert.equal(body.request_id, 'trace-me-42');
  assert.equal(response.headers['x-request-id'], 'trace-me-42');
  assert.doesNotMatch(response.body, /hunter2|stack/);
  const logged = ctx.logs.find((line) => line.reqId === 'trace-me-42' && line.level === 50);
  assert.ok(logged, 'the error is logged with the request id');
  assert.match(JSON.stringify(logged), /database password=hunter2/);
});

test('an unsafe X-Request-Id is replaced by a generated one', async () => {
  const response = await ctx.app.inject({
    url: '/health',
    headers: { 'x-request-id': 'bad id\nwith newline' },
  });
  assert.match(response.headers['x-request-id'] as string, /^req_[0-9a-f]{20}$/);
});
