// Request bodies sent as JWE (Flanks’ "REQUEST ENCRYPTION") are handled exactly like their JSON.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CompactEncrypt, generateKeyPair, importJWK, type JWK } from 'jose';
import { buildTestContext, type TestClient, type TestContext } from './helpers/context.ts';

let ctx: TestContext;
let client: TestClient;

before(async () => {
  ctx = await buildTestContext();
  client = await ctx.createClient();
});
after(() => ctx.close());

async function encryptionKey(): Promise<JWK> {
  const jwks = (await ctx.app.inject({ url: '/.well-known/jwks.json' })).json() as { keys: JWK[] };
  const key = jwks.keys.find((k) => k.use === 'enc');
  assert.ok(key, 'the JWKS publishes an encryption key');
  assert.equal(key.alg, 'RSA-OAEP-256');
  return key;
}

async function encrypt(body: unknown, jwk: JWK, enc = 'A256CBC-HS512'): Promise<string> {
  const key = await importJWK(jwk, 'RSA-OAEP-256');
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(body)))
    .setProtectedHeader({ alg: 'RSA-OAEP-256', enc, typ: 'JWE', kid: jwk.kid })
    .encrypt(key);
}

const postJose = (payload: string) =>
  ctx.app.inject({
    method: 'POST',
    url: '/v1/oauth/token',
    payload,
    headers: { 'content-type': 'application/jose' },
  });

test('an encrypted token request is answered like the plain one', async () => {
  const jwe = await encrypt(
    { grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret },
    await encryptionKey(),
  );
  const response = await postJose(jwe);
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.json().token_type, 'Bearer');
});

test('an encrypted body is validated like JSON: same field errors', async () => {
  const response = await postJose(await encrypt({ client_id: client.id }, await encryptionKey()));
  assert.equal(response.statusCode, 400);
  assert.deepEqual(response.json().errors, [{ pointer: '/body/grant_type', detail: 'is required' }]);
});

test('an encrypted wrong secret is refused like the plain one', async () => {
  const jwe = await encrypt(
    { grant_type: 'client_credentials', client_id: client.id, client_secret: 'nope' },
    await encryptionKey(),
  );
  assert.equal((await postJose(jwe)).json().code, 'AUTH_INVALID_CLIENT');
});

test('a JWE for a key the server does not have is 400 JWE_INVALID', async () => {
  const { publicKey } = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  const jwe = await new CompactEncrypt(new TextEncoder().encode('{}'))
    .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256CBC-HS512', kid: 'enc_unknown' })
    .encrypt(publicKey);
  const response = await postJose(jwe);
  assert.equal(response.statusCode, 400);
  assert.equal(response.json().code, 'JWE_INVALID');
});

test('the server key with a content encryption other than A256CBC-HS512 is refused', async () => {
  const response = await postJose(
    await encrypt({ grant_type: 'client_credentials' }, await encryptionKey(), 'A128GCM'),
  );
  assert.equal(response.json().code, 'JWE_INVALID');
});

test('garbage under application/jose is 400 JWE_INVALID', async () => {
  const response = await postJose('not-a-jwe');
  assert.equal(response.statusCode, 400);
  assert.equal(response.json().code, 'JWE_INVALID');
});

test('a JWE whose payload is not JSON is 400 MALFORMED_BODY', async () => {
  const jwk = await encryptionKey();
  const jwe = await new CompactEncrypt(new TextEncoder().encode('grant_type=client_credentials'))
    .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256CBC-HS512', kid: jwk.kid })
    .encrypt(await importJWK(jwk, 'RSA-OAEP-256'));
  assert.equal((await postJose(jwe)).json().code, 'MALFORMED_BODY');
});

test('after a key rotation, bodies encrypted to the previous key still decrypt', async () => {
  const oldKey = await encryptionKey();
  await ctx.keys.rotate();
  const newKey = await encryptionKey();
  assert.notEqual(newKey.kid, oldKey.kid, 'the current key is listed first');
  for (const key of [oldKey, newKey]) {
    const jwe = await encrypt(
      { grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret },
      key,
    );
    assert.equal((await postJose(jwe)).statusCode, 200, `kid ${key.kid}`);
  }
});
