// Every route that needs a token refuses missing, malformed, forged, expired and under-scoped
// tokens. The list of routes comes from the OpenAPI document, so a new route is covered the
// moment it is added (and a route missing from the document fails the openapi test).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader, SignJWT, UnsecuredJWT } from 'jose';
import type { Scope } from '../src/domain/scopes.ts';
import { deleteClient } from '../src/services/clients.ts';
import {
  buildTestContext,
  issueAccessToken,
  TEST_ISSUER,
  type TestClient,
  type TestContext,
} from './helpers/context.ts';

let ctx: TestContext;
let client: TestClient;
let goodToken: string;
let securedRoutes: Array<{ method: string; url: string; scopes: Scope[] }>;

before(async () => {
  // A route needing one scope, so the scope check is exercised whatever the product routes need.
  ctx = await buildTestContext({
    extraRoutes: (app) =>
      app.get(
        '/test/needs-webhooks',
        { config: { scopes: ['webhooks:manage'] }, schema: { hide: true } },
        async () => ({
          ok: true,
        }),
      ),
  });
  client = await ctx.createClient();
  goodToken = await ctx.tokenFor(client);
  const spec = (await ctx.app.inject({ url: '/openapi.json' })).json();
  securedRoutes = [];
  type Operation = { security?: Array<{ bearerAuth: Scope[] }> };
  for (const [path, operations] of Object.entries<Record<string, Operation>>(spec.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!operation.security) continue;
      securedRoutes.push({
        method: method.toUpperCase(),
        url: path.replaceAll(/\{[^}]+\}/g, 'x_does_not_exist'),
        scopes: operation.security[0]!.bearerAuth,
      });
    }
  }
});
after(() => ctx.close());

const send = (route: { method: string; url: string }, headers: Record<string, string> = {}) =>
  ctx.app.inject({
    method: route.method as 'GET',
    url: route.url,
    headers,
    payload: route.method === 'GET' ? undefined : {},
  });

async function forgedTokens(): Promise<Record<string, string>> {
  const { kid } = decodeProtectedHeader(goodToken);
  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const [header, payload, signature] = goodToken.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const tampered = Buffer.from(JSON.stringify({ ...claims, sub: 'cli_someoneelse' })).toString('base64url');
  const jwks = (await ctx.app.inject({ url: '/.well-known/jwks.json' })).json();
  const publicJwkText = JSON.stringify(jwks.keys[0]);
  return {
    'signed by another key under the server kid': await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .sign(attacker.privateKey),
    'unsigned (alg none)': new UnsecuredJWT(claims).encode(),
    'payload altered after signing': `${header}.${tampered}.${signature}`,
    'HS256 keyed with the public key': await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
      .sign(new TextEncoder().encode(publicJwkText)),
    'issued for another issuer': (
      await issueAccessToken(ctx.keys, 'http://elsewhere.test', client.id, ['data:read'])
    ).access_token,
    'not a JWT at all': 'abc.def.ghi',
  };
}

test('the document lists secured routes to check', () => {
  assert.ok(securedRoutes.length >= 2, `found ${securedRoutes.length}`);
});

describe('every secured route', () => {
  test('without a token: 401 AUTH_TOKEN_MISSING with WWW-Authenticate', async () => {
    for (const route of securedRoutes) {
      const response = await send(route);
      assert.equal(response.statusCode, 401, `${route.method} ${route.url}`);
      assert.equal(response.json().code, 'AUTH_TOKEN_MISSING');
      assert.equal(response.headers['www-authenticate'], 'Bearer');
    }
  });

  test('with a non-Bearer Authorization header: 401 AUTH_TOKEN_INVALID', async () => {
    for (const route of securedRoutes) {
      const response = await send(route, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
      assert.equal(response.json().code, 'AUTH_TOKEN_INVALID', `${route.method} ${route.url}`);
    }
  });

  test('with forged tokens: 401 AUTH_TOKEN_INVALID', async () => {
    for (const [name, forged] of Object.entries(await forgedTokens())) {
      for (const route of securedRoutes) {
        const response = await send(route, { authorization: `Bearer ${forged}` });
        assert.equal(response.statusCode, 401, `${name}: ${route.method} ${route.url}`);
        assert.equal(response.json().code, 'AUTH_TOKEN_INVALID', name);
      }
    }
  });

  test('with an expired token: 401 AUTH_TOKEN_EXPIRED', async () => {
    const expired = await issueAccessToken(ctx.keys, TEST_ISSUER, client.id, ['data:read'], {
      now: new Date(Date.now() - 2 * 3600 * 1000),
    });
    for (const route of securedRoutes) {
      const response = await send(route, { authorization: `Bearer ${expired.access_token}` });
      assert.equal(response.statusCode, 401);
      assert.equal(response.json().code, 'AUTH_TOKEN_EXPIRED');
    }
  });

  test('with a token lacking the route scope: 403 AUTH_INSUFFICIENT_SCOPE', async () => {
    const routes = [
      ...securedRoutes.filter((r) => r.scopes.length > 0),
      { method: 'GET', url: '/test/needs-webhooks', scopes: ['webhooks:manage'] as Scope[] },
    ];
    for (const route of routes) {
      const others = (
        ['connections:read', 'connections:write', 'data:read', 'webhooks:manage', 'imports:write'] as Scope[]
      ).filter((scope) => !route.scopes.includes(scope));
      const narrow = await ctx.tokenFor(client, others.slice(0, 1));
      const response = await send(route, { authorization: `Bearer ${narrow}` });
      assert.equal(response.statusCode, 403, `${route.method} ${route.url}`);
      assert.equal(response.json().code, 'AUTH_INSUFFICIENT_SCOPE');
      assert.deepEqual(response.json().required_scopes, route.scopes);
    }
    const allowed = await ctx.tokenFor(client, ['webhooks:manage']);
    assert.equal((await ctx.call(allowed, { url: '/test/needs-webhooks' })).statusCode, 200);
  });

  test('with a valid token: neither 401 nor 403', async () => {
    for (const route of securedRoutes) {
      const response = await send(route, { authorization: `Bearer ${goodToken}` });
      assert.ok(
        ![401, 403].includes(response.statusCode),
        `${route.method} ${route.url}: ${response.statusCode}`,
      );
    }
  });
});

test("a deleted client's tokens stop working", async () => {
  const doomed = await ctx.createClient();
  const token = await ctx.tokenFor(doomed);
  assert.ok(await deleteClient(ctx.database.db, doomed.id));
  const response = await ctx.call(token, { url: '/v1/institutions' });
  assert.equal(response.statusCode, 401);
  assert.equal(response.json().code, 'AUTH_TOKEN_INVALID');
});

describe('key rotation', () => {
  test('tokens signed before a rotation verify until the old key expires; the JWKS follows', async () => {
    const before = await ctx.tokenFor(client);
    const oldKid = decodeProtectedHeader(before).kid;
    const { retired, created } = await ctx.keys.rotate();
    assert.ok(retired.includes(oldKid!));
    assert.equal(created.length, 2);

    const after = await ctx.tokenFor(client);
    const newKid = decodeProtectedHeader(after).kid;
    assert.notEqual(newKid, oldKid);
    for (const token of [before, after]) {
      assert.equal((await ctx.call(token, { url: '/v1/institutions' })).statusCode, 200);
    }
    let kids = (await ctx.app.inject({ url: '/.well-known/jwks.json' }))
      .json()
      .keys.map((k: { kid: string }) => k.kid);
    assert.ok(kids.includes(oldKid) && kids.includes(newKid));

    // The grace period ends: the old key no longer verifies and is no longer published.
    await ctx.database.db
      .updateTable('crypto_keys')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('kid', '=', oldKid!)
      .execute();
    await ctx.keys.reload();
    const refused = await ctx.call(before, { url: '/v1/institutions' });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.json().code, 'AUTH_TOKEN_INVALID');
    assert.equal((await ctx.call(after, { url: '/v1/institutions' })).statusCode, 200);
    kids = (await ctx.app.inject({ url: '/.well-known/jwks.json' }))
      .json()
      .keys.map((k: { kid: string }) => k.kid);
    assert.ok(!kids.includes(oldKid));
  });
});
