// Regressions of the attack on 13f415d (the security audit's defects H1–H3, M1–M6, L1–L11), each
// as a client or an attacker would hit it, on both engines. Every refused request is also checked
// to have changed nothing the client owns.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CompactEncrypt, importJWK } from 'jose';
import { connect, createConnection, good, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { clientFingerprint } from './helpers/fingerprint.ts';

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

let ctx: TestContext;
let clientId: string;
let token: string;

before(async () => {
  ctx = await buildTestContext({ allDataMaxRecords: 1000 });
  const client = await ctx.createClient();
  clientId = client.id;
  token = await ctx.tokenFor(client);
});
after(() => ctx.close());

const call = async (options: Parameters<TestContext['call']>[1], as = token) => {
  const response = await ctx.call(as, options);
  return { status: response.statusCode, body: response.json() as Json, headers: response.headers };
};

/** A refused request: the status and code it must get, problem+json with a request id, nothing changed. */
async function refused(
  options: Parameters<TestContext['call']>[1],
  status: number,
  code: string,
  as = token,
): Promise<Json> {
  const before = await clientFingerprint(ctx.database.db, clientId);
  const response = await ctx.call(as, options);
  assert.equal(response.statusCode, status, `${options.method ?? 'GET'} ${options.url}: ${response.body}`);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = response.json() as Json;
  assert.equal(body.code, code, response.body);
  assert.equal(body.status, status);
  assert.match(body.request_id, /^req_/);
  assert.deepEqual(await clientFingerprint(ctx.database.db, clientId), before, 'nothing changed');
  return body;
}

const csv = (rows: string[]) => Buffer.from(`Fecha,Concepto,Importe\n${rows.join('\n')}\n`);
const importFile = (body: Buffer, query = '?currency=EUR') =>
  call({
    method: 'POST',
    url: `/v1/imports${query}`,
    headers: { 'content-type': 'application/octet-stream' },
    payload: body,
  });

async function waitForImport(id: string): Promise<Json> {
  for (let i = 0; i < 600; i++) {
    const { body } = await call({ url: `/v1/imports/${id}` });
    if (body.status !== 'processing') return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`import ${id} still processing`);
}

describe('H1: /v1/connections/{id}/all', () => {
  test('is streamed: the server answers other requests while a large answer is being written', async () => {
    const big = await connect(ctx, token, good('user_good_20000'));
    const wide = await buildTestContext({ allDataMaxRecords: 100_000 });
    try {
      const wideToken = await wide.tokenFor(await wide.createClient());
      const connection = await connect(wide, wideToken, good('user_good_20000'));
      await wide.app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(wide.app.server.address() as net.AddressInfo).port}`;
      const order: string[] = [];
      const all = await fetch(`${base}/v1/connections/${connection.id}/all`, {
        headers: { authorization: `Bearer ${wideToken}` },
      });
      assert.equal(all.status, 200);
      const reader = all.body!.getReader();
      const chunks: Uint8Array[] = [(await reader.read()).value!];
      // The first piece has arrived and most of the answer has not: /health must not wait for it.
      const health = fetch(`${base}/health`).then((r) => {
        order.push('health');
        return r.status;
      });
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
      order.push('all');
      assert.equal(await health, 200);
      assert.deepEqual(order, ['health', 'all']);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const movements = body.accounts.flatMap((a: Json) => a.transactions);
      assert.equal(movements.length, connection.product_status.transactions!.count);
      assert.equal(new Set(movements.map((t: Json) => t.id)).size, movements.length);
    } finally {
      await wide.close();
    }
    // Past the limit (1,000 here) the answer is refused, pointing at the paged lists.
    const tooLarge = await refused({ url: `/v1/connections/${big.id}/all` }, 422, 'RESULT_TOO_LARGE');
    assert.ok(tooLarge.records > 1000);
    assert.equal(tooLarge.limit, 1000);
  });
});

describe('H2: POST /v1/imports takes only real bytes', () => {
  for (const [name, type, payload] of [
    ['a JSON number', 'application/json', '3000000'],
    ['a JSON array-like', 'application/json', '{"length":2000000}'],
    ['a negative number', 'application/json', '-1'],
    ['a form', 'application/x-www-form-urlencoded', 'length=3000000'],
  ] as const)
    test(`${name} is 415 and stores nothing`, async () => {
      await refused(
        { method: 'POST', url: '/v1/imports', headers: { 'content-type': type }, payload },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });
});

test('a multipart body without its boundary is 400 MALFORMED_BODY, not 500 (found by the fuzzer)', async () => {
  await refused(
    {
      method: 'POST',
      url: '/v1/imports',
      headers: { 'content-type': 'multipart/form-data' },
      payload: '{"a":1}',
    },
    400,
    'MALFORMED_BODY',
  );
});

describe('H3 and M6: authentication', () => {
  test('client secrets are stored as keyed hashes; an old scrypt hash still works and is replaced', async () => {
    const client = await ctx.createClient();
    const stored = await ctx.database.db
      .selectFrom('clients')
      .select('secret_hash')
      .where('id', '=', client.id)
      .executeTakeFirstOrThrow();
    assert.match(stored.secret_hash, /^hmac-sha256\$/);
    const { randomBytes, scryptSync } = await import('node:crypto');
    const salt = randomBytes(16);
    const legacy = [
      'scrypt',
      2 ** 10,
      8,
      1,
      salt.toString('base64url'),
      scryptSync(client.secret, salt, 32, { N: 2 ** 10, r: 8, p: 1 }).toString('base64url'),
    ].join('$');
    await ctx.database.db
      .updateTable('clients')
      .set({ secret_hash: legacy })
      .where('id', '=', client.id)
      .execute();
    assert.ok(await ctx.tokenFor(client));
    const rewritten = await ctx.database.db
      .selectFrom('clients')
      .select('secret_hash')
      .where('id', '=', client.id)
      .executeTakeFirstOrThrow();
    assert.match(rewritten.secret_hash, /^hmac-sha256\$/);
    assert.ok(await ctx.tokenFor(client), 'and the secret still works with the new hash');
  });

  test('failed authentications have a budget per address and client id, and per address', async () => {
    const limited = await buildTestContext({ authFailuresPerMinute: 3, trustProxy: true });
    try {
      const victim = await limited.createClient();
      const neighbour = await limited.createClient();
      const ask = (id: string, secret: string, from: string) =>
        limited.app.inject({
          method: 'POST',
          url: '/v1/oauth/token',
          headers: { 'x-forwarded-for': from },
          payload: { grant_type: 'client_credentials', client_id: id, client_secret: secret },
        });
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await ask(victim.id, 'wrong', '203.0.113.7')).statusCode);
      assert.deepEqual(codes, [401, 401, 401, 429]);
      const locked = await ask(victim.id, victim.secret, '203.0.113.7');
      assert.equal(locked.statusCode, 429);
      assert.equal(locked.json().code, 'RATE_LIMITED');
      assert.ok(Number(locked.headers['retry-after']) > 0);
      // Another application behind the same address, and the victim from elsewhere, are not locked out.
      assert.equal((await ask(neighbour.id, neighbour.secret, '203.0.113.7')).statusCode, 200);
      assert.equal((await ask(victim.id, victim.secret, '198.51.100.1')).statusCode, 200);
      // Bad bearer tokens count against their address (5 × 3): then 429, before any verification.
      const bearer = (from: string) =>
        limited.app.inject({
          url: '/v1/accounts',
          headers: { authorization: 'Bearer x.y.z', 'x-forwarded-for': from },
        });
      const bearerCodes: number[] = [];
      for (let i = 0; i < 16; i++) bearerCodes.push((await bearer('192.0.2.9')).statusCode);
      assert.deepEqual(bearerCodes, [...Array(15).fill(401), 429]);
      assert.equal((await bearer('192.0.2.10')).statusCode, 401, 'another address has its own budget');
    } finally {
      await limited.close();
    }
  });

  test('without TESORO_TRUST_PROXY, X-Forwarded-For is not believed', async () => {
    const limited = await buildTestContext({ authFailuresPerMinute: 1 });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 6; i++)
        codes.push(
          (
            await limited.app.inject({
              url: '/v1/accounts',
              headers: { authorization: 'Bearer x.y.z', 'x-forwarded-for': `192.0.2.${i}` },
            })
          ).statusCode,
        );
      assert.deepEqual(codes, [401, 401, 401, 401, 401, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('L7: rotating a client secret ends the tokens issued before', () => {
  test('the old token is refused at once, a new one works', async () => {
    const { rotateClientSecret } = await import('../src/services/clients.ts');
    const client = await ctx.createClient();
    const old = await ctx.tokenFor(client);
    const rotated = (await rotateClientSecret(ctx.database.db, client.id))!;
    const afterRotation = await call({ url: '/v1/accounts' }, old);
    assert.equal(afterRotation.status, 401);
    assert.equal(afterRotation.body.code, 'AUTH_TOKEN_INVALID');
    assert.match(afterRotation.body.detail, /rotated/);
    const renewed = await ctx.tokenFor({ id: client.id, secret: rotated.clientSecret });
    assert.equal((await call({ url: '/v1/accounts' }, renewed)).status, 200);
  });
});

describe('M1: U+0000', () => {
  test('anywhere in a request is a 400 naming the field, and changes nothing', async () => {
    await refused({ url: '/v1/accounts/%00' }, 400, 'VALIDATION_FAILED');
    const query = await refused({ url: '/v1/connections?external_id=%00' }, 400, 'VALIDATION_FAILED');
    assert.equal(query.errors[0].pointer, '/query/external_id');
    const body = await refused(
      {
        method: 'POST',
        url: '/v1/webhook-endpoints',
        payload: { url: 'https://example.com/h', description: 'a\u0000b' },
      },
      400,
      'VALIDATION_FAILED',
    );
    assert.equal(body.errors[0].pointer, '/body/description');
    await refused(
      {
        method: 'POST',
        url: '/v1/connections',
        payload: { ...good(), access_mode: 'single', external_id: '\u0000' },
      },
      400,
      'VALIDATION_FAILED',
    );
    await refused(
      { method: 'POST', url: `/v1/imports?currency=EUR&external_id=${encodeURIComponent('a\u0000')}` },
      400,
      'VALIDATION_FAILED',
    );
  });

  test('inside an imported file it is stored as U+FFFD, and searches keep working', async () => {
    const done = await importFile(csv(['13/02/2026,CAFE\u0000BAR,-1.00', '14/02/2026,NOMINA,2.00']));
    assert.equal(done.status, 201, JSON.stringify(done.body));
    const found = await call({ url: `/v1/transactions?connection_id=${done.body.connection_id}&q=CAFE` });
    assert.equal(found.status, 200);
    assert.equal(found.body.data[0].description, 'CAFE\uFFFDBAR');
    assert.equal((await call({ url: '/v1/transactions?q=NOMINA' })).status, 200);
    assert.equal((await call({ url: '/v1/transactions?category=income' })).status, 200);
  });
});

describe('ids in a query string or a body are checked at the edge, as in a path', () => {
  test('a malformed or wrongly prefixed id is a 400 naming its field, before any query runs', async () => {
    const cases: Array<[Parameters<TestContext['call']>[1], string]> = [
      [{ url: '/v1/transactions?connection_id=CON_ABC' }, '/query/connection_id'],
      [{ url: '/v1/transactions?account_id=con_abc' }, '/query/account_id'],
      [{ url: '/v1/card-transactions?card_id=crd_a-b' }, '/query/card_id'],
      [
        { url: `/v1/transactions/sync?connection_id=${encodeURIComponent('con_\u00e9')}` },
        '/query/connection_id',
      ],
      [
        { method: 'POST', url: '/v1/transactions/search', payload: { connection_id: 'con_', query: {} } },
        '/body/connection_id',
      ],
      [{ url: '/v1/documents?connection_id=con_1%20' }, '/query/connection_id'],
      [
        {
          method: 'POST',
          url: '/v1/imports?currency=EUR&account_id=con_abc',
          headers: { 'content-type': 'text/csv' },
          payload: '13/02/2026,CAFE,-1.00\n',
        },
        '/query/account_id',
      ],
      [
        {
          method: 'POST',
          url: '/v1/connect/sessions',
          payload: {
            redirect_uri: 'https://app.example.com/callback',
            connection_id: `con_${'a'.repeat(70)}`,
          },
        },
        '/body/connection_id',
      ],
      [{ url: '/v1/connect/codes?session_id=ses_abc' }, '/query/session_id'],
    ];
    for (const [options, pointer] of cases) {
      const body = await refused(options, 400, 'VALIDATION_FAILED');
      assert.deepEqual(
        body.errors.map((e: { pointer: string }) => e.pointer),
        [pointer],
        `${options.method ?? 'GET'} ${options.url}`,
      );
    }
    // A well-formed id that names nothing of the caller's is still a 404.
    await refused({ url: '/v1/transactions?connection_id=con_abc' }, 404, 'NOT_FOUND');
  });
});

describe('M2: concurrent state changes (the PostgreSQL leg is the one that races)', () => {
  test('50 refreshes at once: one refresh, every answer 202 naming it', async () => {
    const connection = await connect(ctx, token, good());
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        call({ method: 'POST', url: `/v1/connections/${connection.id}/refresh` }),
      ),
    );
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [202]);
    assert.equal(new Set(answers.map((a) => a.body.id)).size, 1);
    await waitForConnection(ctx, token, connection.id);
  });

  test('20 right answers to one challenge at once: one accepted, the rest 409', async () => {
    const created = await createConnection(ctx, token, { ...good('user_otp'), access_mode: 'single' });
    const waiting = await waitForConnection(ctx, token, created.id);
    assert.equal(waiting.status, 'challenge_required');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        call({
          method: 'POST',
          url: `/v1/connections/${created.id}/challenge`,
          payload: { answers: { code: '123456' } },
        }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.equal(statuses.filter((s) => s === 200 || s === 202).length, 1, statuses.join(' '));
    assert.equal(statuses.filter((s) => s === 409).length, 19, statuses.join(' '));
    assert.ok(answers.filter((a) => a.status === 409).every((a) => a.body.code === 'CHALLENGE_NOT_OPEN'));
    const settled = await waitForConnection(ctx, token, created.id);
    assert.equal(settled.status, 'ok');
    const refreshes = await ctx.database.db
      .selectFrom('refreshes')
      .select('status')
      .where('connection_id', '=', created.id)
      .execute();
    assert.deepEqual(
      refreshes.map((r) => r.status),
      ['succeeded'],
    );
  });

  test('10 finishes of one Connect session at once: one code', async () => {
    await call({
      method: 'PUT',
      url: '/v1/client/redirect-uris',
      payload: { redirect_uris: ['https://app.example/cb'] },
    });
    const created = await call({
      method: 'POST',
      url: '/v1/connect/sessions',
      payload: { redirect_uri: 'https://app.example/cb' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const pageToken = new URL(created.body.url).hash.slice(1);
    const page = (method: 'GET' | 'POST', path: string, payload?: Json) =>
      ctx.app.inject({
        method,
        url: `/connect/api/${created.body.id}${path}`,
        headers: { authorization: `Bearer ${pageToken}` },
        ...(payload ? { payload } : {}),
      });
    const submitted = await page('POST', '/credentials', good());
    assert.equal(submitted.statusCode, 200, submitted.body);
    for (let i = 0; ; i++) {
      const progress = (await page('GET', '/progress')).json();
      if (progress.state === 'success') break;
      assert.ok(i < 600, `still ${progress.state}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const finishes = await Promise.all(Array.from({ length: 10 }, () => page('POST', '/finish')));
    const codes = finishes.filter((f) => f.statusCode === 200).map((f) => f.json().code);
    assert.equal(codes.length, 1, finishes.map((f) => f.statusCode).join(' '));
    assert.ok(finishes.every((f) => f.statusCode === 200 || f.statusCode === 410));
    const stored = await ctx.database.db
      .selectFrom('connect_codes')
      .select('code_hash')
      .where('session_id', '=', created.body.id)
      .execute();
    assert.equal(stored.length, 1);
  });
});

describe('M3: a queued import always ends', () => {
  test('a file that cannot be stored fails (not processing), with its reason, event and no document', async () => {
    const queued = await importFile(
      csv(['13/02/2026,A,-1.00', '01/01/0000,B,2.00']),
      '?currency=EUR&async=true',
    );
    assert.equal(queued.status, 202);
    const done = await waitForImport(queued.body.id);
    assert.equal(done.status, 'failed');
    assert.equal(done.document_id, null);
    assert.match(JSON.stringify(done.issues), /before year 1/);
    const document = await ctx.database.db
      .selectFrom('documents')
      .select('id')
      .where('id', '=', queued.body.document_id)
      .executeTakeFirst();
    assert.equal(document, undefined);
    const events = await call({ url: '/v1/events?type=import.completed' });
    assert.ok(
      events.body.data.some((e: Json) => e.data.import_id === queued.body.id && e.data.status === 'failed'),
    );
  });

  test('a value the database refuses fails the import at once, before the last attempt', async () => {
    const { queueImport, runQueuedImport } = await import('../src/services/imports/queued-import.ts');
    // Queued without a job (the test runs it), then given options no query can carry (U+0000).
    const pending = await queueImport({ ...ctx.engine, jobs: { send: async () => {} } }, clientId, {
      bytes: csv(['13/02/2026,A,-1.00']),
      contentType: 'text/csv',
      currency: 'EUR',
    });
    await ctx.database.db
      .updateTable('imports')
      .set({ options: JSON.stringify({ currency: 'EUR', accountId: 'acc_\u0000' }) })
      .where('id', '=', pending.id)
      .execute();
    await runQueuedImport(ctx.engine, { importId: pending.id }, { lastAttempt: false });
    const failed = await waitForImport(pending.id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.document_id, null);
    assert.match(failed.summary.error, /could not be stored/);
  });

  test('any other error is left to the queue to retry, and fails the import on the last attempt', async () => {
    const { queueImport, runQueuedImport } = await import('../src/services/imports/queued-import.ts');
    const pending = await queueImport({ ...ctx.engine, jobs: { send: async () => {} } }, clientId, {
      bytes: csv(['13/02/2026,A,-1.00']),
      contentType: 'text/csv',
      currency: 'EUR',
    });
    // The real store, whose next `failures` transactions fail the way a lost connection does.
    const failing = (failures: number) => ({
      ...ctx.engine,
      db: new Proxy(ctx.engine.db, {
        get(target, property) {
          if (property === 'transaction' && failures-- > 0)
            throw new Error('connection terminated unexpectedly');
          const value = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }),
    });
    await assert.rejects(
      runQueuedImport(failing(1), { importId: pending.id }, { lastAttempt: false }),
      /connection terminated/,
    );
    assert.equal(
      (await call({ url: `/v1/imports/${pending.id}` })).body.status,
      'processing',
      'left to a retry',
    );
    await runQueuedImport(failing(1), { importId: pending.id }, { lastAttempt: true });
    const done = await waitForImport(pending.id);
    assert.equal(done.status, 'failed');
    assert.equal(done.document_id, null);
    assert.match(done.summary.error, /could not be completed/);
    assert.ok(ctx.logs.some((line) => line.msg === 'a queued import failed' && line.import === pending.id));
  });
});

describe('M4: hostile statement files are refused with the reason', () => {
  const camtNested = Buffer.from(
    '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>S</Id><Acct><Id><IBAN>ES9121000418450200051332</IBAN></Id><Ccy>EUR</Ccy></Acct>' +
      '<X>'.repeat(20000) +
      '</X>'.repeat(20000) +
      '</Stmt></BkToCstmrStmt></Document>',
  );
  const ofx = (name: string) =>
    Buffer.from(
      `OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKACCTFROM><ACCTID>1</ACCTID></BANKACCTFROM><BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260213<TRNAMT>-1.00<FITID>1<NAME>${name}</STMTTRN></BANKTRANLIST><LEDGERBAL><BALAMT>0<DTASOF>20260213</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n`,
    );
  for (const [name, file, reason] of [
    ['camt nested 20,000 deep', camtNested, /nested more than 100 deep/],
    ['a CSV date in year 0000', csv(['13/02/2026,A,-1.00', '01/01/0000,B,2.00']), /before year 1/],
    [
      'a CSV amount of 1,000 digits',
      csv(['13/02/2026,A,-1.00', `14/02/2026,B,${'9'.repeat(1000)}.00`]),
      /digits/,
    ],
  ] as const)
    test(`${name}: 422, nothing stored`, async () => {
      const body = await refused(
        {
          method: 'POST',
          url: '/v1/imports?currency=EUR',
          headers: { 'content-type': 'application/octet-stream' },
          payload: file,
        },
        422,
        'IMPORT_UNREADABLE',
      );
      assert.match(JSON.stringify(body.issues), reason);
    });

  test('OFX character references that name no character become U+FFFD', async () => {
    for (const entity of ['&#x110000;', '&#99999999999;', '&#0;', '&#xD800;']) {
      const done = await importFile(ofx(`A${entity}`));
      assert.equal(done.status, 201, `${entity}: ${JSON.stringify(done.body)}`);
      const listed = await call({ url: `/v1/transactions?connection_id=${done.body.connection_id}` });
      assert.equal(listed.body.data[0].description, 'A\uFFFD', entity);
    }
  });
});

describe('M5: large documents', () => {
  test('are stored in parts and served back byte for byte', async () => {
    const rows = Array.from(
      { length: 45_000 },
      (_, i) => `${String((i % 28) + 1).padStart(2, '0')}/02/2026,MOVEMENT ${i},-${(i % 97) + 1}.25`,
    );
    const file = csv(rows);
    assert.ok(file.length > 1024 * 1024);
    const queued = await importFile(file, '?currency=EUR&async=true');
    assert.equal(queued.status, 202);
    const done = await waitForImport(queued.body.id);
    assert.equal(done.status, 'completed', JSON.stringify(done.summary));
    const parts = await ctx.database.db
      .selectFrom('document_parts')
      .select('part')
      .where('document_id', '=', done.document_id)
      .execute();
    assert.equal(parts.length, Math.ceil(file.length / (1024 * 1024)));
    const served = await ctx.call(token, { url: `/v1/documents/${done.document_id}/content` });
    assert.equal(served.statusCode, 200);
    assert.ok(served.rawPayload.equals(file));
  });
});

describe('L1–L3: values that reached SQL casts', () => {
  const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
  test('tampered cursors are 400 on every keyset list', async () => {
    for (const url of [
      '/v1/events',
      '/v1/connections',
      '/v1/webhook-endpoints',
      '/v1/transactions',
      '/v1/accounts',
    ])
      for (const key of [['x', 'y'], ['0000-01-01', 'txn_a'], [1, 2], ['2026-01-01 00:00:00+00', 'a b'], {}])
        await refused({ url: `${url}?cursor=${cursor(key)}` }, 400, 'VALIDATION_FAILED');
    // The institutions are paged in memory by (name, id): only the shape is checked.
    for (const key of [[1, 2], {}, ['x']])
      await refused({ url: `/v1/institutions?cursor=${cursor(key)}` }, 400, 'VALIDATION_FAILED');
  });

  test('Infinity and 1e309 do not get past a maximum', async () => {
    for (const url of [
      '/v1/transactions?page_size=Infinity',
      '/v1/transactions?page_size=1e309',
      '/v1/transactions?page=Infinity',
      '/v1/institutions?page_size=Infinity',
      '/v1/events?page_size=-Infinity',
      '/v1/transactions/sync?connection_id=con_x&count=Infinity',
    ])
      await refused({ url }, 400, 'VALIDATION_FAILED');
  });

  test('year 0000 in date filters is a 400', async () => {
    await refused({ url: '/v1/transactions?operation_date_from=0000-01-01' }, 400, 'VALIDATION_FAILED');
    await refused({ url: '/v1/transactions?updated_since=0000-01-01T00:00:00Z' }, 400, 'VALIDATION_FAILED');
    assert.equal((await call({ url: '/v1/transactions?operation_date_from=0001-01-01' })).status, 200);
  });
});

describe('L4: every refusal is problem+json, even before routing', () => {
  test('a URL that does not decode, and a path part too long for any id', async () => {
    await refused({ url: '/v1/accounts/%zz' }, 400, 'MALFORMED_REQUEST');
    await refused({ url: `/v1/accounts/${'a'.repeat(101)}` }, 400, 'VALIDATION_FAILED');
    await refused({ url: `/v1/accounts/${'a'.repeat(600)}` }, 414, 'URI_TOO_LONG');
  });

  test('over a socket: oversized headers (431) and bytes that are not HTTP (400)', async () => {
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (ctx.app.server.address() as net.AddressInfo).port;
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
        let answer = '';
        socket.on('data', (data) => {
          answer += data.toString();
        });
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
      });
    for (const [request, status, code] of [
      [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
      ['\u0001\u0002 not http\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    ] as const) {
      const answer = await raw(request);
      assert.match(answer, new RegExp(`^HTTP/1.1 ${status} `));
      assert.match(answer, /content-type: application\/problem\+json/i);
      const problem = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      assert.equal(problem.code, code);
      assert.match(problem.request_id, /^req_/);
    }
    const ok = await new Promise<number>((resolve) =>
      http.get(`http://127.0.0.1:${port}/health`, (r) => resolve(r.statusCode ?? 0)),
    );
    assert.equal(ok, 200, 'the server still answers');
  });
});

describe('L5: SSRF', () => {
  test('an IPv4-compatible IPv6 address is refused at registration', async () => {
    const { checkWebhookUrl } = await import('../src/webhooks/address-guard.ts');
    assert.match(
      String(checkWebhookUrl('https://[::127.0.0.1]:8443/h', { allowPrivate: false })),
      /IPv4-compatible/,
    );
    assert.match(String(checkWebhookUrl('https://[::7f00:1]/h', { allowPrivate: true })), /IPv4-compatible/);
    assert.equal(
      checkWebhookUrl('http://[::1]:9000/h', { allowPrivate: true }),
      null,
      'loopback in development',
    );
    assert.equal(checkWebhookUrl('https://[2606:4700:4700::1111]/h', { allowPrivate: false }), null);
  });

  test('development webhooks are off by default when the server listens beyond loopback', async () => {
    const { loadConfig } = await import('../src/config.ts');
    assert.equal(loadConfig({}).allowPrivateWebhooks, true);
    assert.equal(loadConfig({ HOST: '127.0.0.1' }).allowPrivateWebhooks, true);
    assert.equal(loadConfig({ HOST: '0.0.0.0' }).allowPrivateWebhooks, false);
    assert.equal(
      loadConfig({ HOST: '0.0.0.0', TESORO_ALLOW_PRIVATE_WEBHOOKS: '1' }).allowPrivateWebhooks,
      true,
    );
  });
});

describe('L8: card numbers in imported statements', () => {
  test('are masked in what is stored and served; the document stays the user file', async () => {
    const file = csv(['13/02/2026,PAGO TARJETA 4548814387167310 MADRID,-1.00', '14/02/2026,NOMINA,2.00']);
    const done = await importFile(file);
    assert.equal(done.status, 201);
    const listed = await call({
      url: `/v1/transactions?connection_id=${done.body.connection_id}&include=raw`,
    });
    const text = JSON.stringify(listed.body);
    assert.ok(!text.includes('4548814387167310'));
    assert.ok(text.includes('PAGO TARJETA 454881******7310 MADRID'));
    const sync = await call({ url: `/v1/transactions/sync?connection_id=${done.body.connection_id}` });
    assert.ok(!JSON.stringify(sync.body).includes('4548814387167310'));
    const content = await ctx.call(token, { url: `/v1/documents/${done.body.document_id}/content` });
    assert.ok(content.rawPayload.equals(file));
  });
});

describe('L9: JWE bodies', () => {
  test('refuse __proto__ keys as plain JSON does', async () => {
    const jwks = (await ctx.app.inject({ url: '/.well-known/jwks.json' })).json() as { keys: Json[] };
    const jwk = jwks.keys.find((k) => k.use === 'enc')!;
    const key = await importJWK(jwk, 'RSA-OAEP-256');
    const body = '{"redirect_uri":"https://app.example/cb","extra":{"__proto__":{"polluted":true}}}';
    const jwe = await new CompactEncrypt(new TextEncoder().encode(body))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256CBC-HS512', kid: jwk.kid })
      .encrypt(key);
    await refused(
      {
        method: 'POST',
        url: '/v1/connect/sessions',
        headers: { 'content-type': 'application/jose' },
        payload: jwe,
      },
      400,
      'MALFORMED_BODY',
    );
  });
});

describe('L10: idempotency keys', () => {
  test('the same body with its fields in another order is a replay, not a reuse', async () => {
    const headers = { 'idempotency-key': `order-${Date.now()}` };
    const first = await call({
      method: 'POST',
      url: '/v1/connections',
      headers,
      payload: {
        institution_id: 'ins_sandbox_bank',
        credentials: { username: 'user_good', password: 'pass_good' },
        access_mode: 'single',
      },
    });
    assert.equal(first.status, 201);
    const reordered = await call({
      method: 'POST',
      url: '/v1/connections',
      headers,
      payload: {
        access_mode: 'single',
        credentials: { password: 'pass_good', username: 'user_good' },
        institution_id: 'ins_sandbox_bank',
      },
    });
    assert.equal(reordered.status, 201);
    assert.equal(reordered.headers['idempotent-replayed'], 'true');
    assert.equal(reordered.body.id, first.body.id);
    await waitForConnection(ctx, token, first.body.id);
  });
});

describe('L11: stored uploads', () => {
  test('are served as statement types or octet-stream, never sniffed', async () => {
    const boundary = 'x-boundary';
    const form = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="currency"\r\n\r\nEUR\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.html"\r\nContent-Type: text/html\r\n\r\n` +
        `Fecha,Concepto,Importe\n13/02/2026,<script>alert(1)</script>,-1.00\n\r\n--${boundary}--\r\n`,
    );
    const done = await call({
      method: 'POST',
      url: '/v1/imports',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: form,
    });
    assert.equal(done.status, 201, JSON.stringify(done.body));
    const served = await ctx.call(token, { url: `/v1/documents/${done.body.document_id}/content` });
    assert.equal(served.headers['content-type'], 'application/octet-stream');
    assert.equal(served.headers['x-content-type-options'], 'nosniff');
    assert.match(String(served.headers['content-security-policy']), /sandbox/);
  });
});
