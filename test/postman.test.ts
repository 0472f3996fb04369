// The Postman collection (postman/) is a fresh generation of the OpenAPI document, has a request for
// every operation, and authenticates itself from the collection variables.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { documentOf, type OpenApiDocument, operationKeysOf } from '../sdk/scripts/document.ts';
import { collectionFile, renderCollection } from '../sdk/scripts/postman.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';

// biome-ignore lint/suspicious/noExplicitAny: a Postman collection, walked by the assertions below
type Json = Record<string, any>;

let ctx: TestContext;
let document: OpenApiDocument;
let committed: string;
let collection: Json;

before(async () => {
  ctx = await buildTestContext({ webhooks: false });
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
