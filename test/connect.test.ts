// Hosted Connect in a real browser (Debian's chromium driven by playwright-core): the end user's
// journeys on the page, and the developer's side (sessions, redirect URIs, code exchange). A
// screenshot of each page state is saved under test-results/connect/.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { buildTestContext, type TestContext } from './helpers/context.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = 'test-results/connect';

let ctx: TestContext;
let token: string;
let browser: Browser;
let tesoro: string; // the server's base URL
let appServer: http.Server;
let appOrigin: string; // the developer's application
let redirectUri: string;

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

async function call(method: string, url: string, payload?: unknown, as = token) {
  const response = await ctx.call(as, {
    method: method as 'GET',
    url,
    ...(payload !== undefined ? { payload: payload as Json } : {}),
  });
  return { status: response.statusCode, body: response.json() as Json };
}

/** A Connect session; its URL is rewritten onto the port the test server listens on. */
async function session(body: Json = {}): Promise<{ id: string; url: string }> {
  const { status, body: created } = await call('POST', '/v1/connect/sessions', {
    redirect_uri: redirectUri,
    state: 'st-123',
    ...body,
  });
  assert.equal(status, 201, JSON.stringify(created));
  const url = new URL(created.url);
  return { id: created.id, url: `${tesoro}${url.pathname}${url.hash}` };
}

async function newPage(viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

async function login(page: Page, username: string, password = 'pass_good') {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Connect' }).click();
}

/** Waits for the redirect back to the developer's application and returns its query. */
async function backAtApp(page: Page): Promise<URLSearchParams> {
  await page.waitForURL((url) => url.href.startsWith(redirectUri), { timeout: 20_000 });
  return new URL(page.url()).searchParams;
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  ctx = await buildTestContext();
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  tesoro = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  token = await ctx.tokenFor(await ctx.createClient());
  // The developer's application: a callback page and a page that embeds Connect in an iframe.
  appServer = http.createServer((request, response) => {
    const url = new URL(request.url!, 'http://app');
    response.setHeader('content-type', 'text/html; charset=utf-8');
    if (url.pathname === '/embed') {
      response.end(`<!doctype html><title>App</title><p id="result">waiting</p>
<script src="${tesoro}/connect/embed.js"></script>
<script>
  const events = [];
  TesoroConnect.open({
    url: ${JSON.stringify(url.searchParams.get('connect'))},
    onEvent: (name) => events.push(name),
    onSuccess: (code) => { document.getElementById('result').textContent = 'code:' + code + ' events:' + events.join(','); },
    onExit: (error) => { document.getElementById('result').textContent = 'exit:' + error; },
  });
</script>`);
    } else response.end(`<!doctype html><title>Callback</title><p>${url.search}</p>`);
  });
  appServer.listen(0, '127.0.0.1');
  await once(appServer, 'listening');
  appOrigin = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  redirectUri = `${appOrigin}/callback`;
  const registered = await call('PUT', '/v1/client/redirect-uris', { redirect_uris: [redirectUri] });
  assert.equal(registered.status, 200);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  appServer?.close();
  await ctx.close();
});

describe('the developer side', () => {
  test('redirect URIs: https or loopback http only; a session needs a registered one', async () => {
    const bad = await call('PUT', '/v1/client/redirect-uris', {
      redirect_uris: [redirectUri, 'http://example.com/cb', 'https://example.com/cb#frag', 'nope'],
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.errors.map((e: Json) => e.pointer),
      ['/body/redirect_uris/1', '/body/redirect_uris/2', '/body/redirect_uris/3'],
    );
    assert.deepEqual((await call('GET', '/v1/client/redirect-uris')).body.redirect_uris, [redirectUri]);
    const unregistered = await call('POST', '/v1/connect/sessions', {
      redirect_uri: 'https://evil.example/cb',
    });
    assert.equal(unregistered.status, 400);
    assert.equal(unregistered.body.errors[0].pointer, '/body/redirect_uri');
    const other = await ctx.tokenFor(await ctx.createClient());
    assert.equal(
      (await call('POST', '/v1/connect/sessions', { redirect_uri: redirectUri }, other)).status,
      400,
    );
  });

  test('the page API refuses a wrong token, and the page is framed only by registered origins', async () => {
    const { id, url } = await session();
    const wrong = await fetch(`${tesoro}/connect/api/${id}`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    assert.equal((await fetch(`${tesoro}/connect/api/${id}`)).status, 401);
    const right = await fetch(`${tesoro}/connect/api/${id}`, {
      headers: { authorization: `Bearer ${new URL(url).hash.slice(1)}` },
    });
    assert.equal(right.status, 200);
    const page = await fetch(`${tesoro}/connect/${id}`);
    const csp = page.headers.get('content-security-policy')!;
    assert.match(csp, new RegExp(`frame-ancestors ${appOrigin}(;|$)`));
    assert.match(csp, /script-src 'self'/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
  });
});

describe('the end user in the browser', () => {
  let connectionId: string;

  test('happy path: pick the bank, log in, back at the app with a code that exchanges once', async () => {
    const { id, url } = await session({ external_id: 'end-user-9', extra: { plan: 'gold' } });
    const page = await newPage();
    const started = performance.now();
    await page.goto(url);
    await page.getByRole('heading', { name: 'Connect your accounts' }).waitFor();
    const firstPaintMs = performance.now() - started;
    assert.ok(!page.url().includes('#'), 'the token leaves the address bar');
    await shot(page, '01-institutions');
    await page.getByLabel('Search').fill('valores');
    assert.equal(await page.locator('#institutions li').count(), 1);
    await page.getByLabel('Search').fill('');
    await page.getByRole('button', { name: /^Banco Sandbox\b(?! Firma)/ }).click();
    await shot(page, '02-login');
    await login(page, 'user_good');
    await page.getByRole('heading', { name: /Connecting to Banco Sandbox/ }).waitFor();
    await shot(page, '03-connecting');
    const query = await backAtApp(page);
    await shot(page, '04-back-at-app');
    assert.equal(query.get('state'), 'st-123');
    const code = query.get('code')!;
    assert.match(code, /^ccd_/);
    const listed = await call('GET', `/v1/connect/codes?session_id=${id}`);
    assert.deepEqual(
      listed.body.data.map((c: Json) => c.code),
      [code],
    );
    const exchanged = await call('POST', '/v1/connect/exchange', { code });
    assert.equal(exchanged.status, 200);
    assert.equal(exchanged.body.external_id, 'end-user-9');
    assert.equal(exchanged.body.institution_id, 'ins_sandbox_bank');
    assert.deepEqual(exchanged.body.extra, { plan: 'gold' });
    connectionId = exchanged.body.connection_id;
    const again = await call('POST', '/v1/connect/exchange', { code });
    assert.equal(again.status, 400);
    assert.equal(again.body.code, 'CONNECT_CODE_INVALID');
    assert.deepEqual((await call('GET', `/v1/connect/codes?session_id=${id}`)).body.data, []);
    // The session is used up.
    await page.goto(url);
    await page.getByText('This link has expired or was already used').waitFor();
    await page.close();
    process.stdout.write(`# connect page: heading visible ${Math.round(firstPaintMs)} ms after navigation\n`);
  });

  test("another client cannot exchange this client's codes", async () => {
    const { url } = await session();
    const page = await newPage();
    await page.goto(url);
    await page.getByRole('button', { name: /^Banco Sandbox\b(?! Firma)/ }).click();
    await login(page, 'user_good');
    const code = (await backAtApp(page)).get('code')!;
    await page.close();
    const other = await ctx.tokenFor(await ctx.createClient());
    assert.equal((await call('POST', '/v1/connect/exchange', { code }, other)).status, 400);
    assert.equal((await call('POST', '/v1/connect/exchange', { code })).status, 200);
  });

  test('a one-time code (user_otp)', async () => {
    const { url } = await session();
    const page = await newPage();
    await page.goto(url);
    await page.getByRole('button', { name: /^Banco Sandbox\b(?! Firma)/ }).click();
    await login(page, 'user_otp');
    // The login form stays on screen (its inputs too) until the credentials are accepted: wait for
    // the challenge's own button before typing, or the code lands in the login form.
    await page.getByRole('button', { name: 'Continue' }).waitFor({ timeout: 20_000 });
    const input = page.locator('form input').first();
    await shot(page, '05-one-time-code');
    await input.fill('000000');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText(/That answer is not correct\./).waitFor({ timeout: 30_000 });
    await shot(page, '06-one-time-code-wrong');
    await page.locator('form input').first().fill('123456');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.ok((await backAtApp(page)).get('code'));
    await page.close();
  });

  test('a wrong password, then a retry on the same connection', async () => {
    const { url } = await session();
    const page = await newPage();
    await page.goto(url);
    await page.getByRole('button', { name: /^Banco Sandbox\b(?! Firma)/ }).click();
    await login(page, 'user_good', 'wrong-password');
    await page.getByText('The username or password is not correct.').waitFor({ timeout: 20_000 });
    await shot(page, '07-wrong-password');
    assert.equal(await page.getByLabel('Password').count(), 0, 'the password is not kept on the page');
    await page.getByRole('button', { name: 'Try again' }).click();
    await login(page, 'user_good');
    const code = (await backAtApp(page)).get('code')!;
    const { body } = await call('POST', '/v1/connect/exchange', { code });
    const connection = (await call('GET', `/v1/connections/${body.connection_id}`)).body;
    assert.equal(connection.status, 'ok');
    assert.deepEqual(
      connection.status_history.map((h: Json) => h.to),
      ['pending', 'credentials_invalid', 'pending', 'ok'],
    );
    await page.close();
  });

  test('a session with unique_credentials refuses credentials the client already connected, and says so', async () => {
    const first = await call('POST', '/v1/connections', {
      institution_id: 'ins_sandbox_bank',
      credentials: { username: 'user_good_12', password: 'pass_good' },
      access_mode: 'recurrent',
    });
    assert.equal(first.status, 201);
    const { url } = await session({ unique_credentials: true });
    const page = await newPage();
    await page.goto(url);
    await page.getByRole('button', { name: /^Banco Sandbox\b(?! Firma)/ }).click();
    await login(page, 'user_good_12');
    await page
      .getByText('These Banco Sandbox credentials are already connected to this application.')
      .waitFor({ timeout: 20_000 });
    await shot(page, '07b-duplicate-refused');
    // Other credentials in the same session go through.
    await login(page, 'user_good_13');
    const code = (await backAtApp(page)).get('code')!;
    const { body } = await call('POST', '/v1/connect/exchange', { code });
    assert.notEqual(body.connection_id, first.body.id);
    const connections = (await call('GET', '/v1/connections?page_size=100')).body.data as Json[];
    assert.equal(connections.filter((c) => c.id === first.body.id).length, 1);
    await page.close();
  });

  test('approve in the bank app (user_decoupled): the page waits, then finishes by itself', async () => {
    const { url } = await session();
    const page = await newPage();
    await page.goto(url);
    await page.getByRole('button', { name: /^Banco Sandbox\b(?! Firma)/ }).click();
    await login(page, 'user_decoupled');
    await page.getByRole('heading', { name: 'Waiting for your approval…' }).waitFor({ timeout: 20_000 });
    await shot(page, '08-decoupled-waiting');
    assert.ok((await backAtApp(page)).get('code'));
    await page.close();
  });

  test('cancel sends the user back with error=cancelled and leaves no connection behind', async () => {
    const before = (await call('GET', '/v1/connections')).body.data.length;
    const { url } = await session();
    const page = await newPage();
    await page.goto(url);
    await page.getByRole('button', { name: /^Banco Sandbox\b(?! Firma)/ }).click();
    await login(page, 'user_good', 'wrong-password');
    await page.getByText('The username or password is not correct.').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Cancel' }).click();
    const query = await backAtApp(page);
    assert.equal(query.get('error'), 'cancelled');
    assert.equal(query.get('state'), 'st-123');
    assert.equal((await call('GET', '/v1/connections')).body.data.length, before);
    await page.close();
  });

  test('update mode keeps the connection id and every data id', async () => {
    assert.ok(connectionId, 'the happy path ran first');
    const accountsBefore = (await call('GET', `/v1/accounts?connection_id=${connectionId}`)).body.data.map(
      (a: Json) => a.id,
    );
    const { url } = await session({ connection_id: connectionId });
    const page = await newPage();
    await page.goto(url);
    await page.getByText('Sign in to Banco Sandbox again').waitFor();
    await shot(page, '09-update-mode');
    await login(page, 'user_good');
    const code = (await backAtApp(page)).get('code')!;
    const { body } = await call('POST', '/v1/connect/exchange', { code });
    assert.equal(body.connection_id, connectionId);
    const accountsAfter = (await call('GET', `/v1/accounts?connection_id=${connectionId}`)).body.data.map(
      (a: Json) => a.id,
    );
    assert.deepEqual(accountsAfter, accountsBefore);
    await page.close();
  });

  test('an expired session says so', async () => {
    const { id, url } = await session();
    await ctx.database.db
      .updateTable('connect_sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', id)
      .execute();
    const page = await newPage();
    await page.goto(url);
    await page.getByText('This link has expired or was already used').waitFor();
    await shot(page, '10-expired');
    await page.close();
  });

  test('a 360 px phone, in Spanish, keyboard only', async () => {
    const { url } = await session({
      language: 'es',
      institution_ids: ['ins_sandbox_bank', 'ins_sandbox_broker'],
    });
    const page = await newPage({ width: 360, height: 740 });
    await page.goto(url);
    await page.getByRole('heading', { name: 'Conecta tus cuentas' }).waitFor();
    assert.equal(await page.locator('#institutions li').count(), 2);
    const overflow = (await page.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    )) as number;
    assert.ok(overflow <= 0, `no horizontal scroll (${overflow} px)`);
    await shot(page, '11-mobile-es');
    // Keyboard: tab to the first institution and press Enter.
    await page.keyboard.press('Tab'); // search
    await page.keyboard.press('Tab'); // first institution
    await page.keyboard.press('Enter');
    await page.getByLabel('Usuario').fill('user_good');
    await page.getByLabel('Contraseña').fill('pass_good');
    await shot(page, '12-mobile-es-login');
    await page.keyboard.press('Enter');
    assert.ok((await backAtApp(page)).get('code'));
    await page.close();
  });

  test('embedded in the app with embed.js: onSuccess gets the code, onEvent the steps', async () => {
    const { url } = await session();
    const page = await newPage();
    await page.goto(`${appOrigin}/embed?connect=${encodeURIComponent(url)}`);
    const frame = page.frameLocator('iframe');
    await frame.getByRole('button', { name: /^Banco Sandbox\b(?! Firma)/ }).click();
    await frame.getByLabel('Username').fill('user_good');
    await frame.getByLabel('Password').fill('pass_good');
    await shot(page, '13-embedded');
    await frame.getByRole('button', { name: 'Connect' }).click();
    await page.getByText(/^code:ccd_/).waitFor({ timeout: 20_000 });
    const result = await page.locator('#result').textContent();
    assert.match(result!, /events:OPEN,SELECT_INSTITUTION,SUBMIT_CREDENTIALS,SUCCESS$/);
    const code = /code:(\S+)/.exec(result!)![1]!;
    assert.equal((await call('POST', '/v1/connect/exchange', { code })).status, 200);
    assert.equal(await page.locator('iframe').count(), 0, 'the iframe is gone');
    await page.close();
  });
});
