// The Postman collection (postman/) is a fresh generation of the OpenAPI document, has a request for
// every operation, and authenticates itself from the collection variables: Newman, Postman's own
// runner, runs its requests and its pre-request script against a real server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { documentOf, type OpenApiDocument, operationKeysOf } from '../sdk/scripts/document.ts';
import { collectionFile, renderCollection } from '../sdk/scripts/postman.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { freePort } from './helpers/processes.ts';

// biome-ignore lint/suspicious/noExplicitAny: a Postman collection, walked by the assertions below
type Json = Record<string, any>;

let ctx: TestContext;
let document: OpenApiDocument;
let committed: string;
let collection: Json;
let baseUrl: string;

before(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  ctx = await buildTestContext({ webhooks: false, publicUrl: baseUrl });
  await ctx.app.listen({ port, host: '127.0.0.1' });
  document = await documentOf(ctx.app);
  committed = fs.readFileSync(collectionFile, 'utf8');
  collection = JSON.parse(committed);
});
after(() => ctx.close());

function requestsOf(items: Json[]): Json[] {
  return items.flatMap((item) => (Array.isArray(item.item) ? requestsOf(item.item) : [item]));
}

/** `METHOD /path/{param}` of a collection request (Postman writes path parameters as `:param`). */
const operationOf = (item: Json) =>
  `${item.request.method} /${item.request.url.path.map((part: string) => part.replace(/^:(.+)$/, '{$1}')).join('/')}`;

test('postman/tesoro.postman_collection.json is a fresh generation (npm run postman -w sdk)', async () => {
  const fresh = await renderCollection(document);
  assert.ok(fresh === committed, 'the collection is stale: run `npm run postman -w sdk`');
});

test('it has one request for every operation of the document, on {{baseUrl}}', () => {
  const requests = requestsOf(collection.item);
  assert.deepEqual(requests.map(operationOf).sort(), operationKeysOf(document));
  for (const item of requests) assert.deepEqual(item.request.url.host, ['{{baseUrl}}'], item.name);
});

test('it obtains its token from the collection variables, and public operations send none', () => {
  const variables = Object.fromEntries(collection.variable.map((v: Json) => [v.key, v.value]));
  assert.equal(variables.baseUrl, 'http://localhost:8080');
  for (const name of ['clientId', 'clientSecret', 'accessToken']) assert.ok(name in variables, name);
  assert.deepEqual(collection.auth, {
    type: 'bearer',
    bearer: [{ key: 'token', value: '{{accessToken}}', type: 'string' }],
  });
  const script = collection.event.find((e: Json) => e.listen === 'prerequest').script.exec.join('\n');
  assert.match(script, /\{\{baseUrl\}\}\/v1\/oauth\/token/);
  assert.match(script, /grant_type: 'client_credentials'/);
  assert.match(script, /pm\.variables\.get\('clientSecret'\)/);
  for (const item of requestsOf(collection.item)) {
    const [method, path] = operationOf(item).split(' ') as [string, string];
    const secured = (document.paths[path][method.toLowerCase()].security ?? []).length > 0;
    // Secured requests inherit the collection's bearer token; public ones say `noauth`.
    assert.deepEqual(item.request.auth, secured ? undefined : { type: 'noauth' }, item.name);
  }
});

// Newman ships no types; this is the part of its API the test uses.
interface NewmanExecution {
  item: { name: string };
  request: { headers: { get(name: string): string | undefined } };
  response?: { code: number; text(): string };
}
interface NewmanSummary {
  run: { executions: NewmanExecution[]; failures: Array<{ error: { message: string } }> };
}
const newman = createRequire(import.meta.url)('newman') as {
  run(options: Record<string, unknown>, done: (error: Error | null, summary: NewmanSummary) => void): void;
};

/** Newman runs the committed collection's named requests with the variables a user sets. */
const runCollection = (requests: string[], clientId: string, clientSecret: string) =>
  new Promise<NewmanSummary>((resolve, reject) =>
    newman.run(
      {
        collection: structuredClone(collection),
        folder: requests,
        envVar: [
          { key: 'baseUrl', value: baseUrl },
          { key: 'clientId', value: clientId },
          { key: 'clientSecret', value: clientSecret },
        ],
        reporters: [],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );

test('Newman runs the collection as committed: its script gets a token from the client’s credentials and reuses it', async () => {
  const client = await ctx.createClient();
  const requests = ['List institutions', 'List connections', 'Liveness'];
  const summary = await runCollection(requests, client.id, client.secret);
  assert.deepEqual(
    summary.run.failures.map((f) => f.error.message),
    [],
  );
  const byName = new Map(summary.run.executions.map((e) => [e.item.name, e]));
  assert.deepEqual([...byName.keys()].sort(), [...requests].sort());
  for (const name of requests)
    assert.equal(byName.get(name)?.response?.code, 200, `${name}: ${byName.get(name)?.response?.text()}`);
  // Both secured requests carry the bearer the script obtained once; the public one sends none.
  const bearers = ['List institutions', 'List connections'].map((name) =>
    byName.get(name)!.request.headers.get('Authorization'),
  );
  assert.match(bearers[0] ?? '', /^Bearer ey/);
  assert.equal(bearers[1], bearers[0]);
  assert.equal(byName.get('Liveness')!.request.headers.get('Authorization'), undefined);
});

test('with a wrong secret the run reports the token request’s problem, and the secured request answers 401', async () => {
  const client = await ctx.createClient();
  const summary = await runCollection(['List connections'], client.id, 'not-the-secret');
  // The run says why: the token request's problem document, as a failed test.
  const [failure] = summary.run.failures.map((f) => f.error.message);
  assert.match(failure ?? '', /CLIENT_AUTH_FAILED|invalid_client/);
  const [execution] = summary.run.executions;
  assert.equal(execution?.response?.code, 401);
  assert.equal(JSON.parse(execution!.response!.text()).code, 'AUTH_TOKEN_MISSING');
});
