// Three native pieces the Powens facade stands on, as any client uses them: deleting every
// connection of one end user at once (DELETE /v1/connections?external_id=), the list of stored
// statement files (GET /v1/documents), and integer ids for native ids (services/compat-ids.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { integerIdsFor, nativeIdFor } from '../src/services/compat-ids.ts';
import { connect, good } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { norma43File } from './helpers/norma43.ts';

let ctx: TestContext;
let token: string;
let clientId: string;
let otherToken: string;

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

before(async () => {
  ctx = await buildTestContext();
  const client = await ctx.createClient();
  clientId = client.id;
  token = await ctx.tokenFor(client);
  otherToken = await ctx.tokenFor(await ctx.createClient());
});
after(() => ctx.close());

const call = async (method: 'GET' | 'DELETE' | 'POST', url: string, as = token) => {
  const response = await ctx.call(as, { method, url });
  return { status: response.statusCode, body: (response.body ? response.json() : null) as Json };
};

const statement = (day: string, account: string) =>
  norma43File({
    account,
    from: day,
    to: day,
    opening: 100,
    movements: [{ date: day, amount: -12.5, concept: '12', text: `COMPRA ${day}` }],
  });

async function upload(body: string, query: string, as = token) {
  const response = await ctx.call(as, {
    method: 'POST',
    url: `/v1/imports${query}`,
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.from(body, 'latin1'),
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as Json;
}

describe('DELETE /v1/connections?external_id=: an end user leaves', () => {
  test('every connection of that end user goes with its data, in one go; the others stay', async () => {
    const leaving = [
      await connect(ctx, token, { ...good('user_good'), external_id: 'user-leaving' }),
      await connect(ctx, token, { ...good('user_good_2'), external_id: 'user-leaving' }),
    ];
    const staying = await connect(ctx, token, { ...good('user_good_3'), external_id: 'user-staying' });
    const theirs = await connect(ctx, otherToken, { ...good('user_good'), external_id: 'user-leaving' });

    const deleted = await call('DELETE', '/v1/connections?external_id=user-leaving');
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual([...deleted.body.deleted].sort(), leaving.map((c) => c.id).sort());
    for (const connection of leaving) {
      assert.equal((await call('GET', `/v1/connections/${connection.id}`)).status, 404);
      assert.deepEqual(
        (await call('GET', `/v1/accounts?connection_id=${connection.id}&allow_partial=true`)).body.data ?? [],
        [],
      );
    }
    assert.equal((await call('GET', `/v1/connections/${staying.id}`)).status, 200, 'another end user stays');
    assert.equal(
      (await call('GET', `/v1/connections/${theirs.id}`, otherToken)).status,
      200,
      "another client's end user of the same id stays",
    );
    const events = (await call('GET', '/v1/events?type=connection.deleted&page_size=100')).body
      .data as Json[];
    assert.deepEqual(
      events.map((e) => e.data.connection_id).sort(),
      leaving.map((c) => c.id).sort(),
      'one connection.deleted each',
    );
    assert.ok(
      events.every((e) => e.data.institution_id === 'ins_sandbox_bank'),
      'naming the institution',
    );
    const [erased] = (await call('GET', '/v1/events?type=end_user.deleted')).body.data as Json[];
    assert.deepEqual(
      [erased!.data.external_id, [...erased!.data.connection_ids].sort()],
      ['user-leaving', leaving.map((c) => c.id).sort()],
    );
    const again = await call('DELETE', '/v1/connections?external_id=user-leaving');
    assert.deepEqual(again.body.deleted, [], 'nothing left to delete');
  });

  test('without an external_id: 400 problem+json, nothing deleted', async () => {
    const before = (await call('GET', '/v1/connections?page_size=100')).body.data.length;
    for (const url of [
      '/v1/connections',
      '/v1/connections?external_id=',
      '/v1/connections?external_id=a&x=1',
    ]) {
      const refused = await ctx.call(token, { method: 'DELETE', url });
      assert.equal(refused.statusCode, 400, url);
      assert.match(String(refused.headers['content-type']), /application\/problem\+json/);
    }
    assert.equal((await call('GET', '/v1/connections?page_size=100')).body.data.length, before);
  });

  test('a read-only token may not delete', async () => {
    const reader = await ctx.tokenFor(await ctx.createClient(), ['connections:read']);
    assert.equal((await call('DELETE', '/v1/connections?external_id=user-staying', reader)).status, 403);
  });
});

describe('GET /v1/documents: the stored statement files', () => {
  let first: Json;
  let second: Json;
  before(async () => {
    first = await upload(statement('2026-10-01', '20590060' + '8000314221'), '?filename=oct.n43');
    second = await upload(statement('2026-11-01', '20590060' + '8000999999'), '?filename=nov.n43');
  });

  test('newest first, each with its connection, name, size and hash; the bytes at its content URL', async () => {
    const list = await call('GET', '/v1/documents');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const mine = (list.body.data as Json[]).filter((d) =>
      [first.document_id, second.document_id].includes(d.id),
    );
    assert.deepEqual(
      mine.map((d) => [d.id, d.filename, d.connection_id]),
      [
        [second.document_id, 'nov.n43', second.connection_id],
        [first.document_id, 'oct.n43', first.connection_id],
      ],
    );
    const content = await ctx.call(token, { url: `/v1/documents/${mine[0]!.id}/content` });
    assert.equal(content.rawPayload.length, mine[0]!.size);
    assert.match(mine[0]!.sha256, /^[0-9a-f]{64}$/);
  });

  test('by connection, by date, page by page', async () => {
    const ofFirst = await call('GET', `/v1/documents?connection_id=${first.connection_id}`);
    assert.deepEqual(
      ofFirst.body.data.map((d: Json) => d.id),
      [first.document_id],
    );
    const future = await call('GET', '/v1/documents?created_from=2999-01-01T00:00:00Z');
    assert.deepEqual(future.body.data, []);
    const page1 = await call('GET', '/v1/documents?page_size=1');
    assert.equal(page1.body.has_more, true);
    const page2 = await call('GET', `/v1/documents?page_size=1&cursor=${page1.body.next_cursor}`);
    assert.notEqual(page2.body.data[0].id, page1.body.data[0].id);
  });

  test("another client's token lists none of them; bad input is 400", async () => {
    const theirs = await call('GET', '/v1/documents', otherToken);
    assert.equal(theirs.status, 200);
    assert.ok(
      (theirs.body.data as Json[]).every((d) => d.id !== first.document_id && d.id !== second.document_id),
    );
    const byConnection = await call('GET', `/v1/documents?connection_id=${first.connection_id}`, otherToken);
    assert.deepEqual(byConnection.body.data, []);
    for (const query of ['cursor=nonsense', 'page_size=0', 'created_from=yesterday', 'extra=1'])
      assert.equal((await call('GET', `/v1/documents?${query}`)).status, 400, query);
  });
});

describe('integer ids for native ids (compat-ids)', () => {
  test('allocated once: the same integer for the same id, forever; distinct per client and kind', async () => {
    const other = await ctx.createClient();
    const a = await integerIdsFor(ctx.engine, clientId, 'account', ['acc_1', 'acc_2', 'acc_1']);
    assert.equal(a.size, 2);
    const again = await integerIdsFor(ctx.engine, clientId, 'account', ['acc_2', 'acc_3']);
    assert.equal(again.get('acc_2'), a.get('acc_2'));
    assert.ok(![...a.values()].includes(again.get('acc_3')!), 'a new id gets a new integer');
    const otherKind = await integerIdsFor(ctx.engine, clientId, 'transaction', ['acc_1']);
    const otherClient = await integerIdsFor(ctx.engine, other.id, 'account', ['acc_1']);
    assert.notEqual(otherKind.get('acc_1'), a.get('acc_1'));
    assert.notEqual(otherClient.get('acc_1'), a.get('acc_1'));
    for (const id of [...a.values(), ...again.values()]) assert.ok(Number.isSafeInteger(id) && id > 0);
  });

  test('read back only by the client and kind it was allocated for', async () => {
    const other = await ctx.createClient();
    const id = (await integerIdsFor(ctx.engine, clientId, 'connection', ['con_x'])).get('con_x')!;
    assert.equal(await nativeIdFor(ctx.engine, clientId, 'connection', id), 'con_x');
    assert.equal(await nativeIdFor(ctx.engine, other.id, 'connection', id), undefined);
    assert.equal(await nativeIdFor(ctx.engine, clientId, 'account', id), undefined);
    for (const bad of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2])
      assert.equal(await nativeIdFor(ctx.engine, clientId, 'connection', bad), undefined);
  });

  test('concurrent first exposures of one id agree on its integer', async () => {
    const ids = await Promise.all(
      Array.from({ length: 8 }, () => integerIdsFor(ctx.engine, clientId, 'user', ['usr_same'])),
    );
    assert.equal(new Set(ids.map((m) => m.get('usr_same'))).size, 1);
  });
});
