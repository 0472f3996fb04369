// Regressions of what the fuzzers (test/fuzz*.test.ts) found. Ids are validated at the edge:
// an id in a path that is not its kind's prefix, `_` and lowercase letters and digits answers
// 400 VALIDATION_FAILED before any query runs; a well-formed id of nothing the caller owns, 404.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildTestContext, type TestContext } from './helpers/context.ts';

let ctx: TestContext;
let token: string;

before(async () => {
  ctx = await buildTestContext({ webhooks: false });
  token = await ctx.tokenFor(await ctx.createClient());
});
after(() => ctx.close());

const routes: Array<
  [method: 'GET' | 'POST' | 'DELETE', path: (id: string) => string, prefix: string, unknown?: number]
> = [
  ['GET', (id) => `/v1/connections/${id}`, 'con'],
  ['DELETE', (id) => `/v1/connections/${id}`, 'con'],
  ['POST', (id) => `/v1/connections/${id}/refresh`, 'con'],
  ['GET', (id) => `/v1/connections/${id}/all`, 'con'],
  ['GET', (id) => `/v1/accounts/${id}`, 'acc'],
  ['GET', (id) => `/v1/accounts/${id}/balances`, 'acc'],
  ['GET', (id) => `/v1/transactions/${id}`, 'txn'],
  ['DELETE', (id) => `/v1/transactions/${id}`, 'txn'],
  ['GET', (id) => `/v1/cards/${id}`, 'crd'],
  ['GET', (id) => `/v1/webhook-endpoints/${id}`, 'whe'],
  ['GET', (id) => `/v1/events/${id}`, 'evt'],
  ['GET', (id) => `/v1/imports/${id}`, 'imp'],
  ['GET', (id) => `/v1/documents/${id}/content`, 'doc'],
  // An unknown Connect session is the page's 401 CONNECT_SESSION_INVALID.
  ['GET', (id) => `/connect/api/${id}`, 'cs', 401],
];

test('a malformed id in a path is refused at the edge (400 VALIDATION_FAILED), a well-formed unknown one is not found', async () => {
  for (const [method, path, prefix, unknownStatus = 404] of routes) {
    for (const bad of [
      'x%20y',
      `${prefix}_ABC`,
      `zzz_${'a'.repeat(16)}`,
      `${prefix}_`,
      '%ef%bf%bf',
      `${prefix}_a-b`,
    ]) {
      const response = await ctx.call(token, { method, url: path(bad) });
      assert.equal(response.statusCode, 400, `${method} ${path(bad)}: ${response.body}`);
      assert.equal(response.json().code, 'VALIDATION_FAILED', `${method} ${path(bad)}`);
      assert.match(response.json().errors[0].pointer, /^\/path\//);
    }
    const unknown = path(`${prefix}_${'0'.repeat(16)}`);
    const response = await ctx.call(token, { method, url: unknown });
    assert.equal(response.statusCode, unknownStatus, `${method} ${unknown}: ${response.body}`);
  }
});

test('the id parameters are documented with their pattern', async () => {
  const doc = (await ctx.app.inject({ url: '/openapi.json' })).json();
  const parameter = doc.paths['/v1/connections/{id}'].get.parameters.find(
    (p: { in: string }) => p.in === 'path',
  );
  assert.equal(parameter.schema.pattern, '^con_[0-9a-z]+$');
  assert.ok(doc.paths['/v1/connections/{id}'].get.responses['400'], '400 documented');
});
