// POST /v1/oauth/token: every way a client can authenticate, and every way it can fail.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { buildTestContext, TEST_ISSUER, type TestClient, type TestContext } from './helpers/context.ts';

let ctx: TestContext;
let client: TestClient;

before(async () => {
  ctx = await buildTestContext();
  client = await ctx.createClient();
});
after(() => ctx.close());

const token = (payload: unknown, headers: Record<string, string> = {}) =>
  ctx.app.inject({ method: 'POST', url: '/v1/oauth/token', payload: payload as string, headers });

function assertProblem(
  response: { statusCode: number; headers: Record<string, unknown>; json(): Record<string, unknown> },
  status: number,
  code: string,
) {
  assert.equal(response.statusCode, status);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = response.json();
  assert.equal(body.code, code);
  assert.equal(body.status, status);
  assert.match(String(body.request_id), /^req_/);
  return body;
}

describe('issuing tokens', () => {
  test('JSON body with credentials returns a Bearer JWT the published JWKS verifies', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: client.id,
      client_secret: client.secret,
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    const body = response.json();
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    assert.equal(body.scope, 'connections:read connections:write data:read webhooks:manage imports:write');

    // Verified independently of the server's own code: only the public JWKS is used.
    const jwks = (await ctx.app.inject({ url: '/.well-known/jwks.json' })).json();
    const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
      issuer: TEST_ISSUER,
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.sub, client.id);
    assert.equal(payload.exp! - payload.iat!, 3600);
  });

  test('form-urlencoded body works the same', async () => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.id,
      client_secret: client.secret,
    });
    const response = await token(form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().token_type, 'Bearer');
  });

  test('credentials as HTTP Basic work, form-encoded as RFC 6749 asks', async () => {
    const basic = Buffer.from(
      `${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`,
    ).toString('base64');
    const response = await token({ grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` });
    assert.equal(response.statusCode, 200);
  });

  test('a narrower scope can be requested', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: client.id,
      client_secret: client.secret,
      scope: 'data:read connections:read',
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().scope, 'data:read connections:read');
  });

  test('a client created with limited scopes gets only those', async () => {
    const limited = await ctx.createClient(['data:read']);
    const response = await token({
      grant_type: 'client_credentials',
      client_id: limited.id,
      client_secret: limited.secret,
    });
    assert.equal(response.json().scope, 'data:read');
  });
});

describe('refusing tokens', () => {
  test('a wrong secret is 401 AUTH_INVALID_CLIENT', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: client.id,
      client_secret: `${client.secret}x`,
    });
    const body = assertProblem(response, 401, 'AUTH_INVALID_CLIENT');
    assert.equal(body.error, 'invalid_client');
    assert.ok(response.headers['www-authenticate']);
  });

  test('an unknown client is 401 AUTH_INVALID_CLIENT, indistinguishable from a wrong secret', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: 'cli_doesnotexist',
      client_secret: client.secret,
    });
    const body = assertProblem(response, 401, 'AUTH_INVALID_CLIENT');
    assert.equal(body.detail, 'Unknown client or wrong client secret.');
  });

  test('no credentials at all is 401', async () => {
    assertProblem(await token({ grant_type: 'client_credentials' }), 401, 'AUTH_INVALID_CLIENT');
  });

  test('another grant type is 400 AUTH_UNSUPPORTED_GRANT_TYPE', async () => {
    const response = await token({
      grant_type: 'password',
      client_id: client.id,
      client_secret: client.secret,
    });
    assert.equal(assertProblem(response, 400, 'AUTH_UNSUPPORTED_GRANT_TYPE').error, 'unsupported_grant_type');
  });

  test('a scope the client does not hold is 400 AUTH_INVALID_SCOPE', async () => {
    const limited = await ctx.createClient(['data:read']);
    const response = await token({
      grant_type: 'client_credentials',
      client_id: limited.id,
      client_secret: limited.secret,
      scope: 'data:read webhooks:manage',
    });
    const body = assertProblem(response, 400, 'AUTH_INVALID_SCOPE');
    assert.match(String(body.detail), /webhooks:manage/);
  });

  test('an unknown scope is 400 AUTH_INVALID_SCOPE', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: client.id,
      client_secret: client.secret,
      scope: 'admin',
    });
    assertProblem(response, 400, 'AUTH_INVALID_SCOPE');
  });

  test('a body without grant_type names the missing field', async () => {
    const body = assertProblem(await token({ client_id: client.id }), 400, 'VALIDATION_FAILED');
    assert.deepEqual(body.errors, [{ pointer: '/body/grant_type', detail: 'is required' }]);
  });

  test('malformed JSON is 400 MALFORMED_BODY', async () => {
    const response = await token('{"grant_type": ', { 'content-type': 'application/json' });
    assertProblem(response, 400, 'MALFORMED_BODY');
  });

  test('an unsupported content type is 415', async () => {
    const response = await token('grant_type=client_credentials', { 'content-type': 'text/csv' });
    assertProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

test('client secrets never reach the log', async () => {
  const basic = Buffer.from(`${client.id}:${client.secret}`).toString('base64');
  await token({ grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` });
  await token({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret });
  await token({
    grant_type: 'client_credentials',
    client_id: client.id,
    client_secret: 'wrong-secret-value',
  });
  assert.ok(ctx.logs.length > 0, 'requests were logged');
  const text = ctx.logText();
  assert.ok(!text.includes(client.secret));
  assert.ok(!text.includes(basic));
  assert.ok(!text.includes('wrong-secret-value'));
});
