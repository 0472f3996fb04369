// Generates postman/tesoro.postman_collection.json, a Postman collection of every operation, with
// openapi-to-postmanv2 from the document the app serves. Run it after changing a route:
//   npm run postman -w sdk        (or: node sdk/scripts/postman.ts)
// The output is committed; test/postman.test.ts fails while it differs from a fresh generation.
//
// Set the collection variables baseUrl, clientId and clientSecret: a collection pre-request script
// obtains the access token (client-credentials grant) and renews it before it expires.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { convertV2 } from 'openapi-to-postmanv2';
import { DEFAULT_BASE_URL, loadDocument, type OpenApiDocument, repositoryRoot } from './document.ts';

export const collectionFile = path.join(repositoryRoot, 'postman', 'tesoro.postman_collection.json');

// biome-ignore lint/suspicious/noExplicitAny: a Postman collection, walked generically below
type Json = Record<string, any>;

/** Runs before every authenticated request of the collection (Postman's sandbox JavaScript). */
const tokenScript = `// Tesoro: an access token from {{clientId}} and {{clientSecret}} (client-credentials grant),
// kept in {{accessToken}} and renewed a minute before it expires.
if (!(pm.request.auth && pm.request.auth.type === 'noauth')) {
  const expiresAt = Number(pm.collectionVariables.get('accessTokenExpiresAt') || 0);
  if (!pm.collectionVariables.get('accessToken') || Date.now() > expiresAt - 60000) {
    pm.sendRequest(
      {
        url: pm.variables.replaceIn('{{baseUrl}}/v1/oauth/token'),
        method: 'POST',
        header: { 'Content-Type': 'application/json' },
        body: {
          mode: 'raw',
          raw: JSON.stringify({
            grant_type: 'client_credentials',
            client_id: pm.variables.get('clientId'),
            client_secret: pm.variables.get('clientSecret'),
          }),
        },
      },
      (error, response) => {
        // A failed token request is a failed test of the run (an exception here would be swallowed),
        // with Tesoro's problem document as its message.
        const ok = !error && response.code === 200;
        pm.test('Tesoro access token from {{clientId}}', () => {
          pm.expect(ok, error ? String(error) : response.text()).to.equal(true);
        });
        if (!ok) return;
        const token = response.json();
        pm.collectionVariables.set('accessToken', token.access_token);
        pm.collectionVariables.set('accessTokenExpiresAt', String(Date.now() + token.expires_in * 1000));
      },
    );
  }
}
`;

/** The text of the collection file for a document. */
export async function renderCollection(document: OpenApiDocument): Promise<string> {
  const collection = await convert(document);
  collection.info._postman_id = stableId('collection');
  collection.variable = [
    { key: 'baseUrl', value: DEFAULT_BASE_URL },
    { key: 'clientId', value: '' },
    { key: 'clientSecret', value: '' },
    { key: 'accessToken', value: '' },
    { key: 'accessTokenExpiresAt', value: '0' },
  ];
  collection.auth = { type: 'bearer', bearer: [{ key: 'token', value: '{{accessToken}}', type: 'string' }] };
  collection.event = [
    { listen: 'prerequest', script: { type: 'text/javascript', exec: tokenScript.split('\n') } },
  ];
  for (const [where, request] of requestsOf(collection.item, 'item')) prepareRequest(request, where);
  return `${JSON.stringify(collection, null, 2)}\n`;
}

/** openapi-to-postmanv2's collection, the same on every run. */
function convert(document: OpenApiDocument): Promise<Json> {
  return withSeededRandom(
    () =>
      new Promise<Json>((resolve, reject) =>
        convertV2(
          { type: 'json', data: structuredClone(document) },
          {
            folderStrategy: 'Tags',
            requestNameSource: 'Fallback',
            // Placeholders (`<string>`) rather than invented values.
            parametersResolution: 'Schema',
            // Optional query parameters are listed, unticked.
            enableOptionalParameters: false,
          },
          (error, result) => {
            const data = result?.output?.[0]?.data;
            if (error || !result?.result || !data)
              return reject(error ?? new Error(`openapi-to-postmanv2: ${result?.reason}`));
            resolve(data as Json);
          },
        ),
      ),
  );
}

/**
 * Each request: authentication inherited from the collection (or none, for the public operations),
 * the success examples only (every error example is the same problem document, docs/errors.md),
 * and ids that do not change from one generation to the next.
 */
function prepareRequest(item: Json, where: string): void {
  item.id = stableId(where);
  // The converter writes the document's oauth2 scheme on secured requests, null on public ones.
  if (item.request.auth === null) item.request.auth = { type: 'noauth' };
  else delete item.request.auth;
  item.response = (item.response ?? [])
    .filter((response: Json) => response.code < 300)
    .map((response: Json, index: number) => ({ ...response, id: stableId(`${where}/response/${index}`) }));
}

/** Every request of the collection's folders, with where it is (`item/2/item/0`). */
function* requestsOf(items: Json[], where: string): Generator<[string, Json]> {
  for (const [index, item] of items.entries()) {
    if (Array.isArray(item.item)) yield* requestsOf(item.item, `${where}/${index}/item`);
    else yield [`${where}/${index}`, item];
  }
}

/** A UUID-shaped id derived from a place in the collection. */
function stableId(key: string): string {
  const hex = createHash('sha256').update(`tesoro.postman:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The converter's schema faker picks enum values and invents map keys at random (Math.random, and
 * its own `random` option, which captured Math.random when it loaded). A seeded generator in both
 * places, for the conversion only, makes the collection the same on every run.
 */
async function withSeededRandom<T>(run: () => Promise<T>): Promise<T> {
  const faker = createRequire(import.meta.url)('openapi-to-postmanv2/assets/json-schema-faker.js') as {
    option(options: Record<string, unknown>): void;
  };
  const random = mulberry32(0x7e50a0);
  const original = Math.random;
  Math.random = random;
  faker.option({ random });
  try {
    return await run();
  } finally {
    Math.random = original;
    faker.option({ random: original });
  }
}

function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

if (import.meta.main) {
  const text = await renderCollection(await loadDocument());
  fs.mkdirSync(path.dirname(collectionFile), { recursive: true });
  fs.writeFileSync(collectionFile, text);
  process.stdout.write(`wrote ${path.relative(repositoryRoot, collectionFile)}\n`);
  // pg-boss and PGlite keep the loop alive a moment after closing; nothing is left to do.
  process.exit(0);
}
