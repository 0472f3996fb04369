// The TypeScript SDK (sdk/) against a real Tesoro server listening on a port: its own token, the
// README walkthrough, pagination over many pages and the sync feed, typed errors, the 202
// OPERATION_PENDING retry, isolation between clients, and its two guarantees about the document:
// the committed types are a fresh generation of it, and every operation of it has an SDK method.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { documentOf, type OpenApiDocument, operationKeysOf } from '../sdk/scripts/document.ts';
import { renderSchema, schemaFile } from '../sdk/scripts/generate.ts';
import {
  AuthenticationError,
  type Connection,
  InvalidRequestError,
  listOperations,
  NotFoundError,
  OperationPendingError,
  type RetryEvent,
  Tesoro,
  TesoroError,
  type TesoroOptions,
} from '../sdk/src/index.ts';
import { buildTestContext, type TestClient, type TestContext } from './helpers/context.ts';
import { freePort, outputOf } from './helpers/processes.ts';

let ctx: TestContext;
let baseUrl: string;
let client: TestClient;
let tesoro: Tesoro;

before(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // The token issuer is the address the SDK calls, as on a real deployment.
  ctx = await buildTestContext({ publicUrl: baseUrl });
  await ctx.app.listen({ port, host: '127.0.0.1' });
  client = await ctx.createClient();
  tesoro = new Tesoro({ baseUrl, clientId: client.id, clientSecret: client.secret });
});
after(() => ctx.close());

/** A client of `credentials` whose requests (and retries) are recorded. */
function recordingClient(credentials: TestClient, options: Partial<TesoroOptions> = {}) {
  const requests: string[] = [];
  const retries: RetryEvent[] = [];
  const sdk = new Tesoro({
    baseUrl,
    clientId: credentials.id,
    clientSecret: credentials.secret,
    onRetry: (event) => retries.push(event),
    ...options,
    fetch: (request) => {
      requests.push(`${request.method} ${new URL(request.url).pathname}`);
      return (options.fetch ?? fetch)(request);
    },
  });
  return { sdk, requests, retries };
}

const sandboxLogin = (username: string) => ({
  institution_id: 'ins_sandbox_bank',
  credentials: { username, password: 'pass_good' },
  access_mode: 'recurrent' as const,
});

/** A sandbox connection, once its first extraction is over. */
async function connected(username: string, sdk = tesoro): Promise<Connection> {
  const created = await sdk.connections.create(sandboxLogin(username));
  return sdk.connections.waitUntilSettled(created.id, { intervalMs: 100 });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('authentication', () => {
  test('the client obtains one token for concurrent requests and reuses it', async () => {
    const { sdk, requests } = recordingClient(client);
    await Promise.all([
      sdk.institutions.get('ins_sandbox_bank'),
      sdk.connections.list().page(),
      sdk.webhookEndpoints.list().page(),
    ]);
    await sdk.connectors.list();
    assert.equal(requests.filter((r) => r === 'POST /v1/oauth/token').length, 1, requests.join('\n'));
    assert.equal(requests.length, 5);
  });

  test('a token the server refuses is replaced once, and the request sent again', async () => {
    let spoiled = false;
    const { sdk, requests, retries } = recordingClient(client, {
      // The first API request goes with a token the server never issued.
      fetch: (request) => {
        if (!spoiled && !request.url.endsWith('/v1/oauth/token')) {
          spoiled = true;
          request.headers.set('authorization', 'Bearer not-a-token');
        }
        return fetch(request);
      },
    });
    const institution = await sdk.institutions.get('ins_sandbox_bank');
    assert.equal(institution.id, 'ins_sandbox_bank');
    assert.deepEqual(requests, [
      'POST /v1/oauth/token',
      'GET /v1/institutions/ins_sandbox_bank',
      'POST /v1/oauth/token',
      'GET /v1/institutions/ins_sandbox_bank',
    ]);
    assert.deepEqual(
      retries.map((r) => [r.reason, r.problem.code]),
      [['token_renewed', 'AUTH_TOKEN_INVALID']],
    );
  });

  test('wrong client credentials are an AuthenticationError', async () => {
    const wrong = new Tesoro({ baseUrl, clientId: client.id, clientSecret: 'not-the-secret' });
    const error = await rejection(wrong.connections.list().page());
    assert.ok(error instanceof AuthenticationError);
    assert.equal(error.status, 401);
    assert.equal(error.code, 'AUTH_INVALID_CLIENT');
  });

  test('public operations send no token', async () => {
    const anonymous = new Tesoro({ baseUrl });
    assert.equal((await anonymous.system.health()).status, 'ok');
    assert.ok((await anonymous.system.jwks()).keys.length > 0);
    const token = await anonymous.oauth.createToken({
      grant_type: 'client_credentials',
      client_id: client.id,
      client_secret: client.secret,
      scope: 'data:read',
    });
    assert.equal(token.scope, 'data:read');
  });
});

describe('the README walkthrough', () => {
  test('create a user_good connection, wait for ok, list accounts, iterate transactions', async () => {
    const created = await tesoro.connections.create(sandboxLogin('user_good'));
    assert.equal(created.status, 'pending');
    const connection = await tesoro.connections.waitUntilSettled(created.id, { intervalMs: 100 });
    assert.equal(connection.status, 'ok');
    const accounts = await tesoro.accounts.list({ connection_id: connection.id }).toArray();
    assert.ok(accounts.length > 0);
    assert.ok(accounts.every((account) => account.connection_id === connection.id));
    let transactions = 0;
    for await (const transaction of tesoro.transactions.list({ connection_id: connection.id })) {
      assert.equal(transaction.connection_id, connection.id);
      transactions++;
    }
    const { total } = await tesoro.transactions.list({ connection_id: connection.id, count: true }).page();
    assert.equal(transactions, total);
    assert.ok(transactions >= 420);
  });
});

describe('examples/sdk-walkthrough.ts', () => {
  test('runs the walkthrough against the server, as a user runs it', async () => {
    const child = spawn(process.execPath, ['examples/sdk-walkthrough.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        TESORO_URL: baseUrl,
        TESORO_CLIENT_ID: client.id,
        TESORO_CLIENT_SECRET: client.secret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { code, stdout, stderr } = await outputOf(child);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^connection con_\w+: ok$/m);
    assert.match(stdout, /^transactions: \d{3,}$/m);
    assert.match(stdout, /^a connection that does not exist: 404 NOT_FOUND$/m);
  });
});

describe('pagination', () => {
  let connection: Connection;
  before(async () => {
    connection = await connected('user_good_1234');
  });

  test('the iterator returns every transaction of many pages exactly once, newest first', async () => {
    const list = tesoro.transactions.list({ connection_id: connection.id, page_size: 100 });
    const first = await list.page();
    assert.equal(first.data.length, 100);
    assert.equal(first.has_more, true);
    let pages = 0;
    for await (const _page of list.pages()) pages++;
    const items = await list.toArray();
    const ids = items.map((t) => t.id);
    const { total } = await tesoro.transactions.list({ connection_id: connection.id, count: true }).page();
    assert.ok(total! >= 1234, String(total));
    assert.equal(items.length, total);
    assert.equal(new Set(ids).size, ids.length, 'no transaction twice');
    assert.equal(pages, Math.ceil(total! / 100));
    for (const [i, item] of items.entries()) {
      if (i > 0) assert.ok(items[i - 1]!.operation_date! >= item.operation_date!, `order at ${i}`);
    }
    const inBigPages = await tesoro.transactions
      .list({ connection_id: connection.id, page_size: 1000 })
      .toArray();
    assert.deepEqual(
      inBigPages.map((t) => t.id),
      ids,
    );
    assert.deepEqual(
      ids.slice(0, 100),
      first.data.map((t) => t.id),
    );
  });

  test('a search pages the same way, its cursor in the body', async () => {
    const outgoing = await tesoro.transactions
      .search({ connection_id: connection.id, page_size: 250, query: { amount: { $lt: 0 } } })
      .toArray();
    assert.ok(outgoing.length > 250);
    assert.ok(outgoing.every((t) => t.amount! < 0));
    assert.equal(new Set(outgoing.map((t) => t.id)).size, outgoing.length);
  });

  test('the sync feed is read page by page, then nothing is new since its cursor', async () => {
    const feed = tesoro.transactions.sync({ connection_id: connection.id, count: 300 });
    let pages = 0;
    for await (const _page of feed) pages++;
    const update = await feed.collect();
    const { total } = await tesoro.transactions.list({ connection_id: connection.id, count: true }).page();
    assert.ok(pages > 1);
    assert.equal(update.added.length, total);
    assert.equal(new Set(update.added.map((t) => t.id)).size, update.added.length);
    const later = await tesoro.transactions
      .sync({ connection_id: connection.id, cursor: update.next_cursor })
      .collect();
    assert.deepEqual([later.added, later.modified, later.removed], [[], [], []]);
  });
});

describe('typed errors', () => {
  test('an id that names nothing is a NotFoundError with the problem’s members', async () => {
    const error = await rejection(tesoro.connections.get(`con_${'0'.repeat(16)}`));
    assert.ok(error instanceof NotFoundError && error instanceof TesoroError);
    assert.equal(error.status, 404);
    assert.equal(error.code, 'NOT_FOUND');
    assert.equal(error.retryable, false);
    assert.match(error.requestId!, /^req_/);
    assert.equal(error.problem.request_id, error.requestId);
    assert.equal(typeof error.title, 'string');
  });

  test('bad input is an InvalidRequestError naming the field', async () => {
    const error = await rejection(
      tesoro.connections.create({ ...sandboxLogin('user_good'), access_mode: 'forever' as 'single' }),
    );
    assert.ok(error instanceof InvalidRequestError);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      error.errors.map((e) => e.pointer),
      ['/body/access_mode'],
    );
  });
});

describe('202 OPERATION_PENDING', () => {
  test('a list is retried after Retry-After until the extraction is done', async () => {
    const { sdk, retries } = recordingClient(client);
    // user_otp's first extraction waits for the code: its data answers 202 until it is given.
    const created = await sdk.connections.create(sandboxLogin('user_otp'));
    const waiting = await sdk.connections.waitUntilSettled(created.id, { intervalMs: 100 });
    assert.equal(waiting.status, 'challenge_required');

    const page = sdk.transactions.list({ connection_id: created.id }).page();
    while (retries.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    await sdk.connections.answerChallenge(created.id, { answers: { code: '123456' } });
    const transactions = await page;
    assert.ok(transactions.data.length > 0);
    assert.ok(retries.length >= 1);
    for (const retry of retries) {
      assert.equal(retry.reason, 'operation_pending');
      assert.equal(retry.problem.code, 'OPERATION_PENDING');
      assert.equal(retry.problem.connection_id, created.id);
      assert.equal(retry.delayMs, 2000, 'the server’s Retry-After');
    }
  });

  test('past its limits the SDK throws OperationPendingError', async () => {
    const created = await tesoro.connections.create(sandboxLogin('user_otp'));
    await tesoro.connections.waitUntilSettled(created.id, { intervalMs: 100 });
    const impatient = recordingClient(client, { pending: { maxRetries: 0 } });
    const error = await rejection(impatient.sdk.accounts.list({ connection_id: created.id }).page());
    assert.ok(error instanceof OperationPendingError);
    assert.equal(error.status, 202);
    assert.equal(error.code, 'OPERATION_PENDING');
    assert.equal(error.attempts, 1);
    assert.match(String(error.problem.refresh_id), /^ref_/);
    // Retry-After is 2 s: within 3 s there is time for one retry, not two.
    const brief = recordingClient(client, { pending: { timeoutMs: 3000 } });
    const late = await rejection(brief.sdk.transactions.sync({ connection_id: created.id }).page());
    assert.ok(late instanceof OperationPendingError);
    assert.equal(late.attempts, 2);
    assert.equal(late.waitedMs, 2000);
    assert.equal(brief.retries.length, 1);
  });
});

describe('another client', () => {
  test('gets 404 for this client’s connection and its data, and lists none of it', async () => {
    const mine = await connected('user_good_60');
    const [transaction] = (await tesoro.transactions.list({ connection_id: mine.id, page_size: 1 }).page())
      .data;
    const other = new Tesoro({ baseUrl, ...(await otherCredentials()) });
    for (const call of [
      () => other.connections.get(mine.id),
      () => other.transactions.list({ connection_id: mine.id }).page(),
      () => other.transactions.get(transaction!.id),
      () => other.connections.refresh(mine.id),
    ]) {
      const error = await rejection(call());
      assert.ok(error instanceof NotFoundError, String(error));
      assert.equal(error.code, 'NOT_FOUND');
    }
    assert.deepEqual(await other.connections.list().toArray(), []);
    assert.deepEqual(await other.transactions.list().toArray(), []);
  });
});

async function otherCredentials() {
  const other = await ctx.createClient();
  return { clientId: other.id, clientSecret: other.secret };
}

describe('more resources', () => {
  test('statement import and its stored file, webhook endpoints, institutions', async () => {
    const file = fs.readFileSync('examples/statements/statement.n43');
    const imported = await tesoro.imports.create(file, { currency: 'EUR', filename: 'statement.n43' });
    assert.equal(imported.format, 'norma43');
    assert.equal((await tesoro.imports.get(imported.id)).id, imported.id);
    const [document] = await tesoro.documents.list().toArray();
    assert.deepEqual(Buffer.from(await tesoro.documents.content(document!.id)), file);
    // A file may also be a Blob or a stream.
    const ofx = new Blob([fs.readFileSync('examples/statements/statement.ofx')]);
    assert.equal((await tesoro.imports.create(ofx, { currency: 'EUR' })).format, 'ofx');
    const qif = new Response(fs.readFileSync('examples/statements/statement.qif')).body!;
    assert.equal((await tesoro.imports.create(qif, { currency: 'EUR' })).format, 'qif');

    const endpoint = await tesoro.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hooks' });
    assert.match(endpoint.secret, /^whsec_/);
    assert.deepEqual(
      (await tesoro.webhookEndpoints.list().toArray()).map((e) => e.id),
      [endpoint.id],
    );
    await tesoro.webhookEndpoints.delete(endpoint.id);
    assert.ok((await rejection(tesoro.webhookEndpoints.get(endpoint.id))) instanceof NotFoundError);

    const institutions = await tesoro.institutions.list({ page_size: 2 }).toArray();
    assert.ok(institutions.some((i) => i.id === 'ins_sandbox_bank'));
    // The typed openapi-fetch client is there for anything else, authenticated the same way.
    const { data } = await tesoro.api.GET('/v1/institutions/{id}', {
      params: { path: { id: 'ins_sandbox_bank' }, query: { language: 'es' } },
    });
    assert.equal(data?.id, 'ins_sandbox_bank');
  });
});

describe('the SDK and the OpenAPI document', () => {
  let document: OpenApiDocument;
  before(async () => {
    document = await documentOf(ctx.app);
  });

  test('sdk/src/schema.ts is a fresh generation of the document (npm run generate -w sdk)', async () => {
    const fresh = await renderSchema(document);
    const committed = fs.readFileSync(schemaFile, 'utf8');
    assert.ok(fresh === committed, `sdk/src/schema.ts is stale: ${firstDifference(committed, fresh)}`);
  });

  test('every operation of the document has exactly one SDK method, authenticated as documented', () => {
    const methods = listOperations(tesoro);
    const operations = methods.map((m) => m.operation).sort();
    assert.deepEqual(
      operations,
      operationKeysOf(document),
      'operations without a method, or methods of none',
    );
    assert.equal(new Set(operations).size, operations.length, 'one method per operation');
    for (const { resource, method, operation, authenticated } of methods) {
      const [verb, path] = operation.split(' ') as [string, string];
      const secured = (document.paths[path][verb.toLowerCase()].security ?? []).length > 0;
      assert.equal(authenticated, secured, `${resource}.${method} (${operation})`);
    }
  });
});

/** Where two texts first differ, as `line N: committed … / fresh …`. */
function firstDifference(committed: string, fresh: string): string {
  const a = committed.split('\n');
  const b = fresh.split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1}: committed ${JSON.stringify(a[at])} / fresh ${JSON.stringify(b[at])}`;
}
