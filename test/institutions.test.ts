// GET /v1/institutions: the catalog from the connector registry, filtered and paginated.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defaultRegistry } from '../src/connectors/registry.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';

let ctx: TestContext;
let token: string;

before(async () => {
  ctx = await buildTestContext();
  token = await ctx.tokenFor(await ctx.createClient(), ['data:read']);
});
after(() => ctx.close());

const list = (query = '') => ctx.call(token, { url: `/v1/institutions${query}` });

test('lists every institution of the registry, sorted by name, with its login form', async () => {
  const response = await list();
  assert.equal(response.statusCode, 200);
  const body = response.json();
  const expected = defaultRegistry()
    .institutions()
    .map((i) => i.id)
    .sort();
  assert.deepEqual(body.data.map((i: { id: string }) => i.id).sort(), expected);
  const names = body.data.map((i: { name: string }) => i.name);
  assert.deepEqual(
    names,
    [...names].sort((a, b) => a.localeCompare(b)),
  );
  assert.equal(body.has_more, false);
  assert.equal(body.next_cursor, null);

  const bank = body.data.find((i: { id: string }) => i.id === 'ins_sandbox_bank');
  assert.equal(bank.country, 'ES');
  assert.ok(bank.products.includes('transactions'));
  assert.deepEqual(
    bank.fields.map((f: { name: string; type: string; required: boolean }) => [f.name, f.type, f.required]),
    [
      ['username', 'text', true],
      ['password', 'password', true],
    ],
  );
  assert.ok(new RegExp(bank.fields[0].validation).test('user_good'));
  assert.match(bank.description, /user_otp/);
});

test('the broker has a select field with options; the OTP bank is always_manual_refresh', async () => {
  const broker = (await ctx.call(token, { url: '/v1/institutions/ins_sandbox_broker' })).json();
  const select = broker.fields.find((f: { type: string }) => f.type === 'select');
  assert.deepEqual(
    select.options.map((o: { value: string }) => o.value),
    ['nif', 'nie', 'passport'],
  );
  const otpBank = (await ctx.call(token, { url: '/v1/institutions/ins_sandbox_otp_bank' })).json();
  assert.equal(otpBank.always_manual_refresh, true);
  assert.deepEqual(otpBank.mfa, ['otp']);
});

test('filters by product, country and text (accents and case ignored)', async () => {
  const mifid = (await list('?product=mifid')).json().data.map((i: { id: string }) => i.id);
  // The broker, FlinksInvestment (its products, Flinks test users) and TestBank, which offers every
  // product (Flanks test values); sorted by name.
  assert.deepEqual(mifid, ['ins_sandbox_flinks_investment', 'ins_sandbox_broker', 'ins_sandbox_testbank']);
  // Every institution but the two Canadian ones (FlinksCapital, FlinksInvestment).
  assert.equal((await list('?country=es')).json().data.length, defaultRegistry().institutions().length - 2);
  assert.equal((await list('?country=CA')).json().data.length, 2);
  assert.equal((await list('?country=FR')).json().data.length, 0);
  const found = (await list('?q=INESTABLE')).json().data.map((i: { id: string }) => i.id);
  assert.deepEqual(found, ['ins_sandbox_flaky_bank']);
  assert.deepEqual(
    (await list('?q=firmá')).json().data.map((i: { id: string }) => i.id),
    ['ins_sandbox_otp_bank'],
  );
});

test('labels and descriptions come in Spanish with language=es', async () => {
  const bank = (await ctx.call(token, { url: '/v1/institutions/ins_sandbox_bank?language=es' })).json();
  assert.equal(bank.fields[1].label, 'Contraseña');
  assert.match(bank.description, /banco minorista/);
});

test('cursor pagination walks the whole list once, in order', async () => {
  const all = (await list()).json().data.map((i: { id: string }) => i.id);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const body: { data: Array<{ id: string }>; next_cursor: string | null; has_more: boolean } = (
      await list(`?page_size=1${cursor ? `&cursor=${cursor}` : ''}`)
    ).json();
    seen.push(...body.data.map((i) => i.id));
    assert.equal(body.has_more, body.next_cursor !== null);
    cursor = body.next_cursor;
    pages++;
  } while (cursor);
  assert.deepEqual(seen, all);
  assert.equal(pages, all.length);
});

test('bad query values are a 400 naming every bad field', async () => {
  const response = await list('?page_size=5000&product=stocks&country=ESP');
  assert.equal(response.statusCode, 400);
  const pointers = response
    .json()
    .errors.map((e: { pointer: string }) => e.pointer)
    .sort();
  assert.deepEqual(pointers, ['/query/country', '/query/page_size', '/query/product']);
});

test('a forged cursor is a 400 on the cursor field', async () => {
  const response = await list('?cursor=bm90LWEtY3Vyc29y');
  assert.equal(response.statusCode, 400);
  assert.deepEqual(response.json().errors, [
    { pointer: '/query/cursor', detail: 'is not a cursor returned by this list' },
  ]);
});

test('an unknown institution is a 404 problem', async () => {
  const response = await ctx.call(token, { url: '/v1/institutions/ins_nope' });
  assert.equal(response.statusCode, 404);
  assert.equal(response.json().code, 'NOT_FOUND');
  assert.match(response.headers['content-type'] as string, /application\/problem\+json/);
});
