// The SimpleFIN journey in a real browser (Chromium): the end user picks "SimpleFIN Bridge" on
// Tesoro's hosted Connect page, pastes the Setup Token the Bridge gave them, and lands on the
// developer's redirect URI with a one-use code whose connection holds their accounts (read from a
// local simulator of the Bridge). A token pasted twice is refused on the page (which words every
// refused login alike; the API's status_detail carries SimpleFIN's advice).
// Screenshots in test-results/simplefin/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createRegistry } from '../src/connectors/registry.ts';
import { waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { connectionOfCode, type Journey, startJourney } from './helpers/journey.ts';
import { type SimpleFinSimulator, startSimpleFinSimulator } from './simulators/simplefin/index.ts';

const SHOTS = 'test-results/simplefin';

let sim: SimpleFinSimulator;
let ctx: TestContext;
let token: string;
let browser: Browser;
let journey: Journey;
let redirectUri: string;

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  // Half a day behind: no result depends on the hour the test runs at.
  sim = await startSimpleFinSimulator({ now: new Date(Date.now() - 12 * 3600_000) });
  ctx = await buildTestContext({ registry: await createRegistry({ TESORO_SIMPLEFIN_ALLOW_LOOPBACK: '1' }) });
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  token = await ctx.tokenFor(await ctx.createClient());
  journey = await startJourney(ctx, token);
  ({ browser, redirectUri } = journey);
});

after(async () => {
  await journey?.close();
  await ctx.close();
  await sim.close();
});

async function openConnect(viewport: { width: number; height: number }, state: string): Promise<Page> {
  const created = await ctx.call(token, {
    method: 'POST',
    url: '/v1/connect/sessions',
    payload: { redirect_uri: redirectUri, state },
  });
  assert.equal(created.statusCode, 201, created.body);
  const url = new URL(created.json().url);
  const tesoro = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  const page = await browser.newPage({ viewport });
  page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));
  await page.goto(`${tesoro}${url.pathname}${url.hash}`);
  await page.getByRole('heading', { name: 'Connect your accounts' }).waitFor();
  await page.getByLabel('Search').fill('simplefin');
  await page.getByRole('button', { name: /^SimpleFIN Bridge/ }).click();
  return page;
}

test('the end user pastes a Setup Token and comes back to the app with a code (desktop and phone)', async () => {
  for (const [name, viewport] of [
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    const page = await openConnect(viewport, `simplefin-${name}`);
    await page.getByLabel('SimpleFIN Setup Token').fill(sim.setupToken('good'));
    await page.screenshot({ path: `${SHOTS}/${name}-1-token.png`, fullPage: true });
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL((url) => url.href.startsWith(redirectUri), { timeout: 60_000 });
    const connection = await connectionOfCode(ctx, token, page.url());
    assert.equal(connection.status, 'ok', JSON.stringify(connection));
    const accounts = (await ctx.call(token, { url: `/v1/accounts?connection_id=${connection.id}` })).json();
    assert.ok(accounts.data.length > 0);
    await page.close();
  }
});

test('a Setup Token used twice is refused on the page, and the API says why', async () => {
  const setupToken = sim.setupToken('good');
  const claimed = await ctx.call(token, {
    method: 'POST',
    url: '/v1/connections',
    payload: {
      institution_id: 'ins_simplefin',
      credentials: { setup_token: setupToken },
      access_mode: 'single',
    },
  });
  assert.ok(claimed.statusCode < 300, claimed.body);
  await waitForConnection(ctx, token, claimed.json().id, (c) => c.refresh === null);
  const page = await openConnect({ width: 1280, height: 800 }, 'simplefin-twice');
  await page.getByLabel('SimpleFIN Setup Token').fill(setupToken);
  await page.getByRole('button', { name: 'Connect' }).click();
  // Not "the username or password": a token has neither. And SimpleFIN's own warning, under it.
  await page.getByText('These details were not accepted.').waitFor({ timeout: 60_000 });
  await page
    .getByText(/^SimpleFIN Bridge said: The SimpleFIN Setup Token was already claimed.*may be compromised/)
    .waitFor();
  await page.screenshot({ path: `${SHOTS}/refused.png`, fullPage: true });
  await page.close();
  const connections = (await ctx.call(token, { url: '/v1/connections?page_size=100' })).json().data;
  const refused = connections.find((c: { status: string }) => c.status === 'credentials_invalid');
  assert.match(refused.status_detail, /may be compromised/);
});
