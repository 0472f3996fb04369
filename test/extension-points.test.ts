// The rooms a connector gets: its own settings (validated, named when wrong, unavailable when
// unset), the consent_expired error, a redirect consent coming back through the public callback
// (the end user in Chromium, from the Connect page to the developer's redirect_uri), and statement
// files imported through the registry's files connector. Also: a bare resend.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { Type } from 'typebox';
import type { Connector } from '../src/connectors/connector.ts';
import {
  ConnectorConfigError,
  type ConnectorModule,
  connectorModules,
  createRegistry,
} from '../src/connectors/registry.ts';
import { sandboxConnector } from '../src/connectors/sandbox/index.ts';
import { connect, createConnection, good, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { startReceiver } from './helpers/receiver.ts';

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = 'test-results/connect';

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

let ctx: TestContext;
let token: string;
let base: string;
let browser: Browser;
let appServer: http.Server;
let redirectUri: string;

const call = async (method: string, url: string, payload?: unknown) => {
  const response = await ctx.call(token, {
    method: method as 'GET',
    url,
    ...(payload !== undefined ? { payload: payload as Json } : {}),
  });
  return { status: response.statusCode, body: (response.body ? response.json() : null) as Json };
};

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // The browser comes back to the consent callback: the public URL is the one it can reach.
  ctx = await buildTestContext({ publicUrl: base });
  await ctx.app.listen({ port, host: '127.0.0.1' });
  token = await ctx.tokenFor(await ctx.createClient());
  appServer = http.createServer((request, response) => {
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(`<!doctype html><title>App</title><p>${new URL(request.url!, 'http://app').search}</p>`);
  });
  appServer.listen(0, '127.0.0.1');
  await once(appServer, 'listening');
  redirectUri = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}/callback`;
  assert.equal((await call('PUT', '/v1/client/redirect-uris', { redirect_uris: [redirectUri] })).status, 200);
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  appServer?.close();
  await ctx.close();
});

describe('connector settings', () => {
  // An upstream as a connector folder would declare it: two variables, one of them a long key.
  const upstream: ConnectorModule = {
    id: 'example_upstream',
    settings: Type.Object({
      EXAMPLE_UPSTREAM_APP_ID: Type.String({ minLength: 3 }),
      EXAMPLE_UPSTREAM_KEY: Type.String({ minLength: 32 }),
    }),
    create: (settings): Connector => ({
      ...sandboxConnector,
      id: 'example_upstream',
      institutions: [],
      async listInstitutions() {
        return [
          { ...sandboxConnector.institutions[0]!, id: `ins_example_${settings.EXAMPLE_UPSTREAM_APP_ID}` },
        ];
      },
    }),
  };

  test('unset: the connector is unavailable, named with its variables; the others are built', async () => {
    const registry = await createRegistry({}, [...connectorModules, upstream]);
    assert.deepEqual(
      registry.unavailable.find((c) => c.id === 'example_upstream'),
      {
        id: 'example_upstream',
        variables: ['EXAMPLE_UPSTREAM_APP_ID', 'EXAMPLE_UPSTREAM_KEY'],
        reason: 'Not configured: its settings are EXAMPLE_UPSTREAM_APP_ID, EXAMPLE_UPSTREAM_KEY.',
      },
    );
    // Every connector of the server whose settings are unset is unavailable too (Enable Banking).
    assert.ok(registry.unavailable.some((c) => c.id === 'enable_banking'));
    assert.ok(registry.findInstitution('ins_sandbox_bank'));
    const listed = await buildTestContext({ registry });
    try {
      const body = (
        await listed.call(await listed.tokenFor(await listed.createClient()), { url: '/v1/connectors' })
      ).json();
      const byId = new Map(body.data.map((c: Json) => [c.id, c]));
      assert.deepEqual(
        ['sandbox', 'files', 'enable_banking', 'example_upstream'].map(
          (id) => (byId.get(id) as Json)?.available,
        ),
        [true, true, false, false],
      );
      assert.deepEqual((byId.get('example_upstream') as Json).variables, [
        'EXAMPLE_UPSTREAM_APP_ID',
        'EXAMPLE_UPSTREAM_KEY',
      ]);
      assert.equal(body.data[1].institutions, 0, 'statement files are imported, not listed');
    } finally {
      await listed.close();
    }
  });

  test('set wrongly or in part: a clear error naming each variable', async () => {
    await assert.rejects(
      createRegistry({ EXAMPLE_UPSTREAM_APP_ID: 'app', EXAMPLE_UPSTREAM_KEY: 'short' }, [upstream]),
      (error: unknown) =>
        error instanceof ConnectorConfigError &&
        /EXAMPLE_UPSTREAM_KEY: .*32.*connector example_upstream/.test(error.message) &&
        !/EXAMPLE_UPSTREAM_APP_ID/.test(error.message),
    );
    await assert.rejects(
      createRegistry({ EXAMPLE_UPSTREAM_APP_ID: 'app' }, [upstream]),
      (error: unknown) => error instanceof ConnectorConfigError && /EXAMPLE_UPSTREAM_KEY/.test(error.message),
    );
  });

  test('set: built, with the catalog it publishes', async () => {
    const registry = await createRegistry(
      { EXAMPLE_UPSTREAM_APP_ID: 'app', EXAMPLE_UPSTREAM_KEY: 'k'.repeat(32) },
      [upstream],
    );
    assert.deepEqual(registry.unavailable, []);
    assert.equal(registry.findInstitution('ins_example_app')?.name, sandboxConnector.institutions[0]!.name);
  });
});

describe('connector errors', () => {
  test('consent_expired moves the connection to consent_expired and fails the refresh', async () => {
    const done = await connect(ctx, token, { ...good('user_consent_expired'), access_mode: 'recurrent' });
    assert.equal(done.status, 'consent_expired');
    const refreshes = (await call('GET', `/v1/connections/${done.id}/refreshes`)).body.data;
    assert.equal(refreshes[0].status, 'failed');
    assert.equal(refreshes[0].error_code, 'consent_expired');
    const events = (await call('GET', '/v1/events?type=refresh.failed')).body.data;
    assert.ok(
      events.some((e: Json) => e.data.connection_id === done.id && e.data.status === 'consent_expired'),
    );
  });
});

describe('redirect consent through the public callback', () => {
  test('from the Connect page: the bank, the callback, and back at the app with a code', async () => {
    const created = await call('POST', '/v1/connect/sessions', {
      redirect_uri: redirectUri,
      state: 'st-redirect',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const url = new URL(created.body.url);
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));
    await page.goto(`${base}${url.pathname}${url.hash}`);
    await page.getByRole('button', { name: /^Banco Sandbox\b(?! Firma)/ }).click();
    await page.getByLabel('Username').fill('user_redirect');
    await page.getByLabel('Password').fill('pass_good');
    await page.getByRole('button', { name: 'Connect' }).click();
    const consent = page.getByRole('link', { name: 'Open your bank' });
    await consent.waitFor();
    await page.screenshot({ path: `${SHOTS}/20-redirect-consent.png`, fullPage: true });
    await consent.click();
    await page.waitForURL((at) => at.href.startsWith(redirectUri), { timeout: 30_000 });
    await page.screenshot({ path: `${SHOTS}/21-redirect-back-at-app.png`, fullPage: true });
    const query = new URL(page.url()).searchParams;
    await page.close();
    assert.equal(query.get('state'), 'st-redirect');
    const exchanged = await call('POST', '/v1/connect/exchange', { code: query.get('code') });
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    const connection = await waitForConnection(ctx, token, exchanged.body.connection_id);
    assert.equal(connection.status, 'ok');
    assert.ok(connection.product_status.transactions!.count > 0);
    // The refresh ran with the end user present, and keeps nothing of them once it has ended.
    const refresh = await ctx.database.db
      .selectFrom('refreshes')
      .select(['status', 'user_present'])
      .where('connection_id', '=', connection.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(refresh, { status: 'succeeded', user_present: null });
  });

  test('through the API: the redirect URL, the callback page, once only', async () => {
    const created = await createConnection(ctx, token, { ...good('user_redirect'), access_mode: 'single' });
    const waiting = await waitForConnection(ctx, token, created.id);
    assert.equal(waiting.status, 'challenge_required');
    assert.equal(waiting.challenge!.type, 'redirect');
    const redirectUrl = (waiting.challenge as unknown as { redirect_url: string }).redirect_url;
    assert.ok(redirectUrl.startsWith(`${base}/connect/callback/sandbox?`), redirectUrl);
    const landing = await fetch(redirectUrl, { redirect: 'manual' });
    assert.equal(landing.status, 200);
    assert.match(await landing.text(), /Access granted/);
    assert.equal((await waitForConnection(ctx, token, created.id)).status, 'ok');
    // The state is used up (a browser is told in plain words, a program in problem+json); a
    // made-up one is no better.
    const again = await fetch(redirectUrl, { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(again.status, 400);
    assert.match(await again.text(), /not valid or was already used/);
    const forged = await fetch(`${base}/connect/callback/sandbox?state=forged&code=sandbox-consent-granted`);
    assert.equal(forged.status, 400);
    assert.match(String(forged.headers.get('content-type')), /problem\+json/);
    assert.equal(((await forged.json()) as Json).code, 'CONSENT_CALLBACK_INVALID');
  });

  test('a refused consent comes back as an error to the app', async () => {
    const created = await call('POST', '/v1/connect/sessions', { redirect_uri: redirectUri, state: 'st-no' });
    const pageToken = new URL(created.body.url).hash.slice(1);
    const pageApi = (path: string, payload?: Json) =>
      ctx.app.inject({
        method: payload ? 'POST' : 'GET',
        url: `/connect/api/${created.body.id}${path}`,
        headers: { authorization: `Bearer ${pageToken}` },
        ...(payload ? { payload } : {}),
      });
    await pageApi('/credentials', good('user_redirect'));
    let progress: Json = {};
    for (let i = 0; i < 400 && progress.state !== 'challenge'; i++) {
      progress = (await pageApi('/progress')).json();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const consentUrl = new URL(progress.challenge.redirect_url);
    consentUrl.searchParams.delete('code');
    consentUrl.searchParams.set('error', 'access_denied');
    const back = await fetch(consentUrl, { redirect: 'manual' });
    assert.equal(back.status, 303);
    const location = new URL(back.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, redirectUri);
    assert.equal(location.searchParams.get('error'), 'consent_refused');
    assert.equal(location.searchParams.get('state'), 'st-no');
  });
});

describe('statement files', () => {
  test('are imported through the registry’s files connector, which offers nothing to connect', async () => {
    const imported = await ctx.call(token, {
      method: 'POST',
      url: '/v1/imports?currency=EUR',
      headers: { 'content-type': 'text/csv' },
      payload: 'Fecha,Concepto,Importe\n13/02/2026,CAFE,-1.00\n14/02/2026,NOMINA,2.00\n',
    });
    assert.equal(imported.statusCode, 201, imported.body);
    const connection = await ctx.database.db
      .selectFrom('connections')
      .select(['connector', 'institution_id'])
      .where('id', '=', imported.json().connection_id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(connection, { connector: 'files', institution_id: 'ins_statement_file' });
    const institutions = (await call('GET', '/v1/institutions?page_size=100')).body.data.map(
      (i: Json) => i.id,
    );
    assert.ok(!institutions.includes('ins_statement_file'));
    const refused = await call('POST', '/v1/connections', {
      institution_id: 'ins_statement_file',
      credentials: {},
      access_mode: 'single',
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.errors[0].pointer, '/body/institution_id');
  });
});

describe('the Connect page', () => {
  test('a consent the bank ended is an error in plain words, not a spinner', async () => {
    const created = await call('POST', '/v1/connect/sessions', { redirect_uri: redirectUri, language: 'es' });
    const url = new URL(created.body.url);
    const page = await browser.newPage();
    page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));
    await page.goto(`${base}${url.pathname}${url.hash}`);
    await page.getByRole('button', { name: /^Banco Sandbox\b(?! Firma)/ }).click();
    await page.getByLabel('Usuario').fill('user_consent_expired');
    await page.getByLabel('Contraseña').fill('pass_good');
    await page.getByRole('button', { name: 'Conectar' }).click();
    await page.getByRole('alert').getByText('Tu permiso para leer estas cuentas ha terminado').waitFor();
    await page.screenshot({ path: `${SHOTS}/22-consent-expired-es.png`, fullPage: true });
    await page.close();
  });

  test('has wording, in English and Spanish, for every status that stops it with an error', async () => {
    const { errorStatuses } = await import('../src/domain/connection-status.ts');
    const page = fs.readFileSync(new URL('../src/connect/page.js', import.meta.url), 'utf8');
    // The two `errors: { … }` blocks of the page's texts, English then Spanish.
    const blocks = [...page.matchAll(/errors: \{([^}]*)\}/g)].map((m) => m[1]!);
    assert.equal(blocks.length, 2);
    for (const [language, block] of [
      ['en', blocks[0]!],
      ['es', blocks[1]!],
    ] as const)
      for (const status of [...errorStatuses, 'disabled'])
        assert.match(block, new RegExp(`\\b${status}: '`), `${language}: ${status}`);
  });
});

describe('webhooks', () => {
  test('a bare POST /v1/events/{id}/resend (no body) resends to every subscribed endpoint', async () => {
    const receiver = await startReceiver();
    try {
      const endpoint = (
        await call('POST', '/v1/webhook-endpoints', { url: receiver.url, events: ['webhook.test'] })
      ).body;
      const event = (await call('POST', `/v1/webhook-endpoints/${endpoint.id}/test`)).body;
      await receiver.waitFor(1);
      const bare = await ctx.call(token, { method: 'POST', url: `/v1/events/${event.id}/resend` });
      assert.equal(bare.statusCode, 202, bare.body);
      assert.deepEqual(bare.json().endpoint_ids, [endpoint.id]);
      const empty = await ctx.call(token, {
        method: 'POST',
        url: `/v1/events/${event.id}/resend`,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(empty.statusCode, 202, empty.body);
      await receiver.waitFor(3);
      assert.equal(receiver.received.filter((r) => r.headers['webhook-id'] === event.id).length, 3);
    } finally {
      await receiver.close();
    }
  });
});
