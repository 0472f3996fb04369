// The operator dashboard (/dashboard), as an operator uses it: signed in with a client's
// credentials, over data made through the native API (a sandbox connection refreshed on three
// days, a connection that asked a one-time code, a webhook endpoint on a real receiver, a
// statement import). Checks the session (cookie, expiry, rotation, deletion, sign-out), CSRF on
// Replay, that every page is scoped to its client and escapes what it shows, and, in Chromium,
// every page at desktop and phone sizes (screenshots under the OS temp dir).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { SignJWT } from 'jose';
import { type BrowserContext, chromium } from 'playwright-core';
import { balanceChart, chartPoints } from '../src/dashboard/charts.ts';
import { html } from '../src/dashboard/html.ts';
import { deleteClient, rotateClientSecret } from '../src/services/clients.ts';
import { connect, createConnection, good, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestClient, type TestContext } from './helpers/context.ts';
import { norma43File } from './helpers/norma43.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-dashboard-'));
const EVIL = '<script>alert(1)</script>';
const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'";

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

let ctx: TestContext;
let baseUrl: string;
let receiver: Receiver;
let offset = 0;
/** The operator's client, with a connection, an endpoint, an import; and another client's. */
let mine: TestClient;
let theirs: TestClient;
let token: string;
let theirToken: string;
let connection: Json;
let otpConnection: Json;
let endpoint: Json;
let importId: string;
let theirConnection: Json;
let theirEndpoint: Json;
let theirEvent: Json;

const DAY_MS = 86_400_000;
const setClock = (at: Date) => {
  offset = at.getTime() - Date.now();
};
const daysAgo = (days: number) => {
  const at = new Date(Date.now() - days * DAY_MS);
  at.setUTCHours(12, 0, 0, 0);
  return at;
};

const api = async (method: 'GET' | 'POST', url: string, payload?: Json, as = token) => {
  const response = await ctx.call(as, { method, url, ...(payload ? { payload } : {}) });
  return { status: response.statusCode, body: response.json() as Json };
};

async function refresh(id: string) {
  const { status } = await api('POST', `/v1/connections/${id}/refresh`);
  assert.equal(status, 202);
  await waitForConnection(ctx, token, id, (c) => c.refresh === null);
}

/** Signs in through the form; the session cookie as a Cookie header value. */
async function signIn(client: TestClient): Promise<string> {
  const response = await ctx.app.inject({
    method: 'POST',
    url: '/dashboard/sign-in',
    payload: new URLSearchParams({ client_id: client.id, client_secret: client.secret }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(response.statusCode, 303, response.body);
  assert.equal(response.headers.location, '/dashboard');
  const cookie = String(response.headers['set-cookie']).split(';')[0]!;
  assert.match(cookie, /^tesoro_dashboard=[\w-]+\.[\w-]+\.[\w-]+$/);
  return cookie;
}

const get = (url: string, cookie?: string): Promise<LightMyRequestResponse> =>
  ctx.app.inject({ url, headers: cookie ? { cookie } : {} });

const post = (
  url: string,
  form: Record<string, string>,
  cookie?: string,
  headers: Record<string, string> = {},
) =>
  ctx.app.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(form).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(cookie ? { cookie } : {}),
      ...headers,
    },
  });

const csrfOf = (body: string) => {
  const value = /name="csrf" value="([^"]+)"/.exec(body)?.[1];
  assert.ok(value, 'the page has a CSRF field');
  return value;
};

async function deliveriesOf(endpointId: string, as = token): Promise<Json[]> {
  const { status, body } = await api(
    'GET',
    `/v1/webhook-endpoints/${endpointId}/deliveries?page_size=100`,
    undefined,
    as,
  );
  assert.equal(status, 200);
  return body.data;
}

/** Waits until the endpoint's deliveries have all been tried once (a real receiver answered). */
async function settledDeliveries(endpointId: string, as = token, atLeast = 1): Promise<Json[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const deliveries = await deliveriesOf(endpointId, as);
    if (deliveries.length >= atLeast && deliveries.every((d) => d.status === 'succeeded')) return deliveries;
    if (Date.now() > deadline) throw new Error(`deliveries still ${JSON.stringify(deliveries)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

before(async () => {
  ctx = await buildTestContext();
  ctx.engine.now = () => new Date(Date.now() + offset);
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  receiver = await startReceiver();
  mine = await ctx.createClient();
  theirs = await ctx.createClient();
  token = await ctx.tokenFor(mine);
  theirToken = await ctx.tokenFor(theirs);

  const created = await api('POST', '/v1/webhook-endpoints', {
    url: receiver.url,
    description: 'Main receiver',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  endpoint = created.body;

  // Three days of balance history: the first refresh two days ago, then one a day.
  setClock(daysAgo(2));
  connection = await connect(ctx, token, { ...good('user_good'), external_id: EVIL });
  assert.equal(connection.status, 'ok');
  setClock(daysAgo(1));
  await refresh(connection.id);
  setClock(new Date());
  await refresh(connection.id);

  // A connection whose login asked a one-time code, answered.
  const otp = await createConnection(ctx, token, { ...good('user_otp'), external_id: 'end-user-otp' });
  const waiting = await waitForConnection(ctx, token, otp.id);
  assert.equal(waiting.challenge?.type, 'otp');
  const answered = await api('POST', `/v1/connections/${otp.id}/challenge`, { answers: { code: '123456' } });
  assert.ok([200, 202].includes(answered.status), JSON.stringify(answered.body));
  otpConnection = await waitForConnection(ctx, token, otp.id, (c) => c.refresh === null);

  const file = norma43File({
    from: '2026-10-01',
    to: '2026-10-31',
    opening: 1000,
    movements: [{ date: '2026-10-28', amount: 2150.5, concept: '15', text: 'NOMINA ACME SL' }],
  });
  const imported = await ctx.call(token, {
    method: 'POST',
    url: '/v1/imports?external_id=end-user-5&filename=octubre.n43',
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.from(file, 'latin1'),
  });
  assert.equal(imported.statusCode, 201, imported.body);
  importId = imported.json().id;

  // The other client: its own connection, endpoint and events.
  const theirs1 = await api('POST', '/v1/webhook-endpoints', { url: `${receiver.url}/theirs` }, theirToken);
  theirEndpoint = theirs1.body;
  theirConnection = await connect(ctx, theirToken, { ...good('user_good'), external_id: 'their-end-user' });
  theirEvent = (await api('GET', '/v1/events', undefined, theirToken)).body.data[0];
  assert.ok(theirEvent);

  await settledDeliveries(endpoint.id);
});

after(async () => {
  await receiver?.close();
  await ctx?.close();
});

describe('signing in', () => {
  test('every page without a session redirects to the sign-in form (303), and Replay changes nothing', async () => {
    for (const url of [
      '/dashboard',
      '/dashboard/connections',
      `/dashboard/connections/${connection.id}`,
      '/dashboard/webhooks',
      `/dashboard/webhooks/${endpoint.id}`,
      '/dashboard/events',
      '/dashboard/imports',
    ]) {
      const response = await get(url);
      assert.equal(response.statusCode, 303, url);
      assert.equal(response.headers.location, '/dashboard/sign-in', url);
    }
    const before = (await deliveriesOf(endpoint.id)).length;
    const event = (await deliveriesOf(endpoint.id))[0]!.event_id;
    const replay = await post(`/dashboard/webhooks/${endpoint.id}/replay`, { event_id: event, csrf: 'x' });
    assert.equal(replay.statusCode, 303);
    assert.equal((await deliveriesOf(endpoint.id)).length, before);

    const form = await get('/dashboard/sign-in');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<form[^>]+method="post"[^>]+action="\/dashboard\/sign-in"/);
    assert.equal(form.headers['content-security-policy'], CSP);
  });

  test('a wrong secret is 401 with a message, the id kept, and no cookie', async () => {
    const response = await post('/dashboard/sign-in', {
      client_id: mine.id,
      client_secret: 'not-the-secret',
    });
    assert.equal(response.statusCode, 401);
    assert.equal(response.headers['set-cookie'], undefined);
    assert.match(response.body, /role="alert">The client ID or the client secret is not right\./);
    assert.match(response.body, new RegExp(`value="${mine.id}"`));
    assert.doesNotMatch(response.body, /not-the-secret/);
    const unknown = await post('/dashboard/sign-in', { client_id: 'cli_nobody', client_secret: mine.secret });
    assert.equal(unknown.statusCode, 401);
    const empty = await post('/dashboard/sign-in', { client_id: mine.id });
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.headers['set-cookie'], undefined);
  });

  test('failed sign-ins for one client id are limited (429 with retry-after)', async () => {
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 11; i += 1)
      last = await post('/dashboard/sign-in', { client_id: 'cli_guessed', client_secret: `guess-${i}` });
    assert.equal(last!.statusCode, 429);
    assert.ok(Number(last!.headers['retry-after']) > 0);
    assert.match(last!.body, /Too many failed sign-ins/);
    // Another client id from the same address still signs in.
    assert.ok(await signIn(mine));
  });

  test('the session cookie is HttpOnly, SameSite=Strict, scoped to /dashboard, expires in 8 h; pages carry the security headers', async () => {
    const response = await post('/dashboard/sign-in', { client_id: mine.id, client_secret: mine.secret });
    const setCookie = String(response.headers['set-cookie']);
    assert.match(setCookie, /; Path=\/dashboard(;|$)/);
    assert.match(setCookie, /; HttpOnly(;|$)/);
    assert.match(setCookie, /; SameSite=Strict(;|$)/);
    assert.match(setCookie, /; Max-Age=28800(;|$)/);
    assert.doesNotMatch(setCookie, /Secure/, 'plain http: no Secure flag');
    const page = await get('/dashboard', setCookie.split(';')[0]);
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['content-security-policy'], CSP);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.match(String(page.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.doesNotMatch(page.body, /<script/i, 'no script at all');
    assert.doesNotMatch(page.body, / style=/, 'no inline style (the CSP would block it)');
  });

  test('over https (behind a trusted proxy) the cookie is Secure', async () => {
    const proxied = await buildTestContext({ trustProxy: true });
    try {
      const client = await proxied.createClient();
      const response = await proxied.app.inject({
        method: 'POST',
        url: '/dashboard/sign-in',
        payload: new URLSearchParams({ client_id: client.id, client_secret: client.secret }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' },
      });
      assert.equal(response.statusCode, 303);
      assert.match(String(response.headers['set-cookie']), /; Secure(;|$)/);
    } finally {
      await proxied.close();
    }
  });

  test('a forged, tampered or expired cookie is refused and cleared', async () => {
    const real = await signIn(mine);
    const [header, payload, signature] = real.split('=')[1]!.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const otherKey = new Uint8Array(32).fill(7);
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(otherKey);
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: theirs.id })).toString('base64url')}.${signature}`;
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    for (const value of ['garbage', forged, tampered, unsigned]) {
      const response = await get('/dashboard', `tesoro_dashboard=${value}`);
      assert.equal(response.statusCode, 303, value);
      assert.equal(response.headers.location, '/dashboard/sign-in');
      assert.match(String(response.headers['set-cookie']), /^tesoro_dashboard=; Path=\/dashboard; Max-Age=0/);
    }
    assert.equal((await get('/dashboard', real)).statusCode, 200);
    // Nine hours later the same cookie has expired.
    setClock(new Date(Date.now() + 9 * 3600_000));
    try {
      assert.equal((await get('/dashboard', real)).statusCode, 303);
    } finally {
      setClock(new Date());
    }
    assert.equal((await get('/dashboard', real)).statusCode, 200);
  });

  test('signing out needs the CSRF token, clears the cookie, and ends the session for a copy of it too', async () => {
    const cookie = await signIn(mine);
    const csrf = csrfOf((await get('/dashboard', cookie)).body);
    assert.equal((await post('/dashboard/sign-out', {}, cookie)).statusCode, 403);
    assert.equal((await get('/dashboard', cookie)).statusCode, 200, 'still signed in');
    const out = await post('/dashboard/sign-out', { csrf }, cookie);
    assert.equal(out.statusCode, 303);
    assert.equal(out.headers.location, '/dashboard/sign-in');
    assert.match(String(out.headers['set-cookie']), /^tesoro_dashboard=; Path=\/dashboard; Max-Age=0/);
    assert.equal((await get('/dashboard', cookie)).statusCode, 303, 'a kept copy no longer works');
  });

  test('rotating the client secret, or deleting the client, ends its sessions', async () => {
    const rotated = await ctx.createClient();
    const cookie = await signIn(rotated);
    assert.equal((await get('/dashboard', cookie)).statusCode, 200);
    const fresh = await rotateClientSecret(ctx.database.db, rotated.id);
    assert.ok(fresh);
    assert.equal((await get('/dashboard', cookie)).statusCode, 303);
    assert.equal(
      (await post('/dashboard/sign-in', { client_id: rotated.id, client_secret: rotated.secret })).statusCode,
      401,
    );
    const again = await signIn({ id: rotated.id, secret: fresh.clientSecret });
    assert.equal((await get('/dashboard', again)).statusCode, 200);

    const deleted = await ctx.createClient();
    const doomed = await signIn(deleted);
    assert.equal((await get('/dashboard/connections', doomed)).statusCode, 200);
    assert.ok(await deleteClient(ctx.database.db, deleted.id));
    assert.equal((await get('/dashboard/connections', doomed)).statusCode, 303);
  });
});

describe('the pages', () => {
  let cookie: string;
  before(async () => {
    cookie = await signIn(mine);
  });

  const page = async (url: string, status = 200) => {
    const response = await get(url, cookie);
    assert.equal(response.statusCode, status, `${url}: ${response.body.slice(0, 500)}`);
    return response.body;
  };

  test('the overview counts connections by status and shows the latest refreshes and events', async () => {
    const body = await page('/dashboard');
    assert.match(body, /<span class="stat-n">3<\/span><span class="stat-label">connections<\/span>/);
    assert.match(body, /href="\/dashboard\/connections\?status=ok"><span class="stat-n">3<\/span>/);
    assert.ok(body.includes(`/dashboard/connections/${connection.id}`));
    assert.match(body, /connection\.historical_update/);
    assert.ok(body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the external_id is shown as text');
    assert.ok(!body.includes(EVIL));
  });

  test('the connections list shows institution, end user (escaped), status and last refresh; filters by status', async () => {
    const body = await page('/dashboard/connections');
    assert.ok(body.includes(`href="/dashboard/connections/${connection.id}"`));
    assert.ok(body.includes(`href="/dashboard/connections/${otpConnection.id}"`));
    assert.match(body, /Banco Sandbox/);
    assert.ok(body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!body.includes(EVIL));
    assert.match(body, /3 in all/);
    const none = await page('/dashboard/connections?status=locked');
    assert.match(none, /No connection is locked\./);
    const bad = await get('/dashboard/connections?status=bogus', cookie);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /There is no connection status bogus\./);
    assert.equal(bad.headers['content-security-policy'], CSP);
    assert.equal((await get('/dashboard/connections?cursor=nope', cookie)).statusCode, 400);
  });

  test('a connection page shows its refresh history and a balance chart with one point per day of history', async () => {
    const body = await page(`/dashboard/connections/${connection.id}`);
    const refreshes = (await api('GET', `/v1/connections/${connection.id}/refreshes`)).body.data as Json[];
    assert.equal(refreshes.length, 3);
    for (const r of refreshes) assert.ok(body.includes(r.id), `refresh ${r.id} listed`);
    assert.equal(body.match(/badge-good">succeeded</g)?.length, 3);
    assert.ok(!body.includes(EVIL));

    const accounts = (await api('GET', `/v1/accounts?connection_id=${connection.id}`)).body.data as Json[];
    const withBalance = accounts.filter((a) => a.balance !== null);
    assert.ok(withBalance.length > 0);
    const charts = [
      ...body.matchAll(
        /<svg class="chart-svg"[^>]*data-points="(\d+)"[\s\S]*?<path class="chart-line" d="([^"]+)"/g,
      ),
    ];
    assert.equal(charts.length, withBalance.length, 'one chart per account with a balance');
    for (const account of withBalance) {
      const days = (await api('GET', `/v1/accounts/${account.id}/balances`)).body.data as Json[];
      assert.equal(days.length, 3, 'three days of history');
      const at = body.indexOf(`<code class="id">${account.id}</code>`);
      assert.ok(at > 0, `account ${account.id} shown`);
      const chart = charts.find((c) => c.index! > at)!;
      const points = chart[2]!.match(/[ML]-?[\d.]+ -?[\d.]+/g)!;
      assert.equal(points.length, days.length, `${account.id}: one point per day`);
      assert.equal(Number(chart[1]), days.length);
      for (const day of days) assert.ok(body.includes(day.date));
    }
    assert.doesNotMatch(body, /pass_good/, 'credentials are never shown');
  });

  test('a connection that asked a one-time code shows the challenge with its refresh', async () => {
    const body = await page(`/dashboard/connections/${otpConnection.id}`);
    assert.match(body, /<span class="chip">otp <span class="badge badge-good">completed<\/span><\/span>/);
    assert.match(body, /end-user-otp/);
  });

  test('the webhook pages list the endpoint and every delivery with its attempts; no secret is shown', async () => {
    const list = await page('/dashboard/webhooks');
    assert.ok(list.includes(`href="/dashboard/webhooks/${endpoint.id}"`));
    assert.ok(list.includes(receiver.url));
    assert.ok(!list.includes(theirEndpoint.id));
    const body = await page(`/dashboard/webhooks/${endpoint.id}`);
    const deliveries = await deliveriesOf(endpoint.id);
    assert.ok(deliveries.length >= 3);
    for (const d of deliveries) assert.ok(body.includes(`/dashboard/events/${d.event_id}`), d.event_id);
    assert.equal(body.match(/>Replay<\/button>/g)?.length, deliveries.length);
    assert.match(body, /badge-good">200<\/span>/, 'the receiver’s answer');
    for (const page of [list, body]) {
      assert.ok(!page.includes(endpoint.secret), 'the signing secret never appears');
      assert.ok(!page.includes(mine.secret), 'the client secret never appears');
    }
  });

  test('Replay with the session’s CSRF token sends the event again, to the real receiver', async () => {
    const body = await page(`/dashboard/webhooks/${endpoint.id}`);
    const before = await settledDeliveries(endpoint.id);
    const eventId = before[0]!.event_id as string;
    const received = receiver.received.length;
    const response = await post(
      `/dashboard/webhooks/${endpoint.id}/replay`,
      { csrf: csrfOf(body), event_id: eventId },
      cookie,
    );
    assert.equal(response.statusCode, 303, response.body);
    assert.equal(response.headers.location, `/dashboard/webhooks/${endpoint.id}`);
    await receiver.waitFor(received + 1, 60_000);
    const replayed = receiver.received.at(-1)!;
    assert.equal(receiver.verify(replayed, endpoint.secret).id, eventId);
    assert.equal((await settledDeliveries(endpoint.id, token, before.length + 1)).length, before.length + 1);
    // The page after the redirect says so, once.
    const flash = String(response.headers['set-cookie']).split(';')[0]!;
    const after = await get(`/dashboard/webhooks/${endpoint.id}`, `${cookie}; ${flash}`);
    assert.match(after.body, new RegExp(`role="status">Event ${eventId} was queued again`));
    assert.match(
      String(after.headers['set-cookie']),
      /^tesoro_dashboard_flash=; Path=\/dashboard; Max-Age=0/,
    );
  });

  test('Replay without the CSRF token, with a wrong one, or from another site is 403 and sends nothing', async () => {
    const body = await page(`/dashboard/webhooks/${endpoint.id}`);
    const csrf = csrfOf(body);
    const eventId = (await deliveriesOf(endpoint.id))[0]!.event_id as string;
    const count = (await deliveriesOf(endpoint.id)).length;
    const other = csrfOf((await get('/dashboard', await signIn(mine))).body);
    for (const [form, headers] of [
      [{ event_id: eventId }, {}],
      [{ event_id: eventId, csrf: 'wrong' }, {}],
      [{ event_id: eventId, csrf: other }, {}],
      [{ event_id: eventId, csrf }, { 'sec-fetch-site': 'cross-site' }],
    ] as const) {
      const response = await post(`/dashboard/webhooks/${endpoint.id}/replay`, form, cookie, headers);
      assert.equal(response.statusCode, 403, JSON.stringify(form));
      assert.match(response.body, /refused/);
    }
    assert.equal((await deliveriesOf(endpoint.id)).length, count);
  });

  test('another client’s ids answer 404 and its data never appears in a list', async () => {
    for (const url of [
      `/dashboard/connections/${theirConnection.id}`,
      `/dashboard/webhooks/${theirEndpoint.id}`,
      `/dashboard/events/${theirEvent.id}`,
    ]) {
      const response = await get(url, cookie);
      assert.equal(response.statusCode, 404, url);
      assert.match(response.body, /Not found/);
      assert.ok(!response.body.includes('their-end-user'));
    }
    const csrf = csrfOf(await page('/dashboard'));
    const mineEvent = (await deliveriesOf(endpoint.id))[0]!.event_id as string;
    const theirCount = (await deliveriesOf(theirEndpoint.id, theirToken)).length;
    const myCount = (await deliveriesOf(endpoint.id)).length;
    const toTheirs = await post(
      `/dashboard/webhooks/${theirEndpoint.id}/replay`,
      { csrf, event_id: mineEvent },
      cookie,
    );
    assert.equal(toTheirs.statusCode, 404);
    const ofTheirs = await post(
      `/dashboard/webhooks/${endpoint.id}/replay`,
      { csrf, event_id: theirEvent.id },
      cookie,
    );
    assert.equal(ofTheirs.statusCode, 404);
    assert.equal((await deliveriesOf(theirEndpoint.id, theirToken)).length, theirCount);
    assert.equal((await deliveriesOf(endpoint.id)).length, myCount);

    for (const url of [
      '/dashboard',
      '/dashboard/connections',
      '/dashboard/webhooks',
      '/dashboard/events',
      '/dashboard/imports',
    ]) {
      const body = await page(url);
      for (const id of [theirConnection.id, theirEndpoint.id, theirEvent.id, 'their-end-user', theirs.id])
        assert.ok(!body.includes(id), `${url} shows ${id}`);
    }
  });

  test('the event log filters by type, and an event page shows its data escaped', async () => {
    const all = await page('/dashboard/events');
    assert.match(all, /import\.completed/);
    assert.match(all, /connection\.historical_update/);
    const only = await page('/dashboard/events?type=import.completed');
    assert.match(only, /import\.completed/);
    assert.doesNotMatch(only, /<code>connection\.historical_update<\/code>/);
    const event = (await api('GET', '/v1/events?type=import.completed')).body.data[0];
    const detail = await page(`/dashboard/events/${event.id}`);
    assert.ok(detail.includes(`&quot;import_id&quot;: &quot;${importId}&quot;`));
    const historical = (await api('GET', '/v1/events?type=connection.historical_update')).body.data as Json[];
    const ofEvil = historical.find((e) => e.data.connection_id === connection.id)!;
    const evilPage = await page(`/dashboard/events/${ofEvil.id}`);
    assert.ok(!evilPage.includes(EVIL));
  });

  test('the imports page shows the statement import with its file, format, status and counts', async () => {
    const body = await page('/dashboard/imports');
    assert.ok(body.includes(importId));
    assert.match(body, /octubre\.n43/);
    assert.match(body, /norma43/);
    assert.match(body, /badge-good">completed</);
    assert.match(body, /<strong>1<\/strong> <span class="muted">transactions<\/span>/);
    assert.match(body, /2026-10-28 → 2026-10-28/, 'the days its transactions span');
  });

  test('an unknown dashboard page is an HTML 404 with the same headers; the routes are not in the OpenAPI document', async () => {
    const response = await get('/dashboard/nowhere', cookie);
    assert.equal(response.statusCode, 404);
    assert.match(String(response.headers['content-type']), /text\/html/);
    assert.equal(response.headers['content-security-policy'], CSP);
    const spec = (await ctx.app.inject({ url: '/openapi.json' })).json();
    assert.deepEqual(
      Object.keys(spec.paths).filter((p) => p.startsWith('/dashboard')),
      [],
    );
  });
});

describe('the chart and the template helper', () => {
  test('points are placed by date (a gap is a longer segment) and by balance (higher is up)', () => {
    const points = chartPoints([
      { date: '2026-01-01', balance: 100 },
      { date: '2026-01-02', balance: 300 },
      { date: '2026-01-11', balance: 200 },
    ]);
    assert.deepEqual(
      points.map(([x]) => x),
      [0, 60, 600],
    );
    assert.ok(points[1]![1] < points[2]![1] && points[2]![1] < points[0]![1]);
    const flat = balanceChart([{ date: '2026-01-01', balance: 5 }], { label: EVIL, currency: 'EUR' }).text;
    assert.match(flat, /data-points="1"/);
    assert.match(flat, /<path class="chart-line" d="M300 80"/);
    assert.ok(!flat.includes(EVIL) && flat.includes('&lt;script&gt;'));
    assert.match(balanceChart([], { label: 'x', currency: null }).text, /No balance history yet/);
  });

  test('html escapes every value unless it is markup already', () => {
    const value = `"'<&>`;
    assert.equal(
      html`<p title="${value}">${value}${html`<b>${value}</b>`}${[value, 1, null, false]}</p>`.text,
      '<p title="&quot;&#39;&lt;&amp;&gt;">&quot;&#39;&lt;&amp;&gt;<b>&quot;&#39;&lt;&amp;&gt;</b>&quot;&#39;&lt;&amp;&gt;1</p>',
    );
  });
});

describe('in Chromium', () => {
  let context: BrowserContext;
  // A fresh profile, removed afterwards.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-chromium-'));
  before(async () => {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 800 },
    });
  });
  after(async () => {
    await context?.close();
    fs.rmSync(profile, { recursive: true, force: true });
  });

  test('sign in through the form, every page at desktop and phone sizes, the chart visible, Replay shows its message', async () => {
    const myEvent = (await api('GET', '/v1/events?type=import.completed')).body.data[0];
    const browserPage = await context.newPage();
    const problems: string[] = [];
    browserPage.on('pageerror', (error) => problems.push(error.message));
    // A CSP violation or a failed load is logged as a console error; the refused sign-in's 401 is expected.
    browserPage.on('console', (message) => {
      if (message.type() === 'error' && !message.text().includes('status of 401'))
        problems.push(message.text());
    });
    browserPage.on('response', (response) => {
      if (response.status() >= 400 && !response.url().endsWith('/dashboard/sign-in'))
        problems.push(`${response.status()} ${response.url()}`);
    });

    await browserPage.goto(`${baseUrl}/dashboard/connections`);
    assert.equal(new URL(browserPage.url()).pathname, '/dashboard/sign-in');
    await browserPage.screenshot({ path: `${SHOTS}/00-sign-in-desktop.png`, fullPage: true });
    await browserPage.getByLabel('Client ID').fill(mine.id);
    await browserPage.getByLabel('Client secret').fill('wrong');
    await browserPage.getByRole('button', { name: 'Sign in' }).click();
    await browserPage.getByRole('alert').waitFor();
    assert.match(await browserPage.getByRole('alert').innerText(), /not right/);
    await browserPage.getByLabel('Client secret').fill(mine.secret);
    await browserPage.getByRole('button', { name: 'Sign in' }).click();
    await browserPage.waitForURL(`${baseUrl}/dashboard`);
    assert.equal(await browserPage.locator('h1').innerText(), 'Overview');

    const pages = [
      ['overview', '/dashboard'],
      ['connections', '/dashboard/connections'],
      ['connection', `/dashboard/connections/${connection.id}`],
      ['webhooks', '/dashboard/webhooks'],
      ['webhook', `/dashboard/webhooks/${endpoint.id}`],
      ['events', '/dashboard/events'],
      ['event', `/dashboard/events/${myEvent.id}`],
      ['imports', '/dashboard/imports'],
    ] as const;
    for (const [size, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      await browserPage.setViewportSize(viewport);
      for (const [index, [name, url]] of pages.entries()) {
        const response = await browserPage.goto(`${baseUrl}${url}`);
        assert.equal(response?.status(), 200, `${url} at ${size}`);
        await browserPage.screenshot({ path: `${SHOTS}/${index + 1}-${name}-${size}.png`, fullPage: true });
        // What the first screen shows, at the size a person sees it.
        await browserPage.screenshot({ path: `${SHOTS}/${index + 1}-${name}-${size}-first-screen.png` });
        const overflow = (await browserPage.evaluate(
          'document.documentElement.scrollWidth - window.innerWidth',
        )) as number;
        assert.ok(overflow <= 0, `${url} at ${size}: ${overflow} px of horizontal scroll`);
        // The stylesheet applied (the CSP lets it through): the frame is a grid.
        const display = await browserPage.evaluate(
          "getComputedStyle(document.querySelector('.shell')).display",
        );
        assert.equal(display, 'grid', `${url} at ${size} is styled (${display})`);
      }
      await browserPage.goto(`${baseUrl}/dashboard/connections/${connection.id}`);
      const chart = browserPage.locator('svg.chart-svg').first();
      await chart.scrollIntoViewIfNeeded();
      assert.ok(await chart.isVisible(), `chart visible at ${size}`);
      await browserPage.screenshot({ path: `${SHOTS}/3-connection-${size}-chart.png` });
      const box = (await chart.boundingBox())!;
      assert.ok(box.width > 150 && box.height > 80, `chart size at ${size}: ${JSON.stringify(box)}`);
      const line = (await browserPage.locator('path.chart-line').first().getAttribute('d'))!;
      assert.equal(line.match(/[ML]/g)?.length, 3, 'three days on the line');
    }

    // Replay on the phone: the message shows, and the receiver gets the event again.
    await browserPage.goto(`${baseUrl}/dashboard/webhooks/${endpoint.id}`);
    const received = receiver.received.length;
    await browserPage.getByRole('button', { name: 'Replay' }).first().click();
    await browserPage.getByRole('status').waitFor();
    assert.match(await browserPage.getByRole('status').innerText(), /was queued again for delivery/);
    await browserPage.screenshot({ path: `${SHOTS}/9-replayed-phone.png`, fullPage: true });
    await receiver.waitFor(received + 1, 60_000);
    // Reloaded, the message is gone (shown once).
    await browserPage.reload();
    assert.equal(await browserPage.getByRole('status').count(), 0);

    await browserPage.getByRole('button', { name: 'Sign out' }).click();
    await browserPage.waitForURL(`${baseUrl}/dashboard/sign-in`);
    await browserPage.goto(`${baseUrl}/dashboard`);
    assert.equal(new URL(browserPage.url()).pathname, '/dashboard/sign-in');
    assert.deepEqual(problems, []);
    console.log(`dashboard screenshots: ${SHOTS}`);
  });
});
