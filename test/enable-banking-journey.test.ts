// The whole Enable Banking journey in a real browser (Chromium): the developer opens a Connect
// session, the end user picks their bank on Tesoro's hosted page, leaves for the bank's consent
// page (the simulator's), approves, comes back through Tesoro's callback and lands on the
// developer's redirect URI with a one-use code, whose connection holds the bank's data. Desktop and
// phone-sized, with screenshots in test-results/enable-banking/; then the consent revoked at the
// bank and given again through the page in update mode, every id kept.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createRegistry } from '../src/connectors/registry.ts';
import { waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { connectionOfCode, type Journey, startJourney } from './helpers/journey.ts';
import { freePort } from './helpers/processes.ts';
import {
  type EnableBankingSimulator,
  startEnableBankingSimulator,
} from './simulators/enable-banking/index.ts';

const SHOTS = 'test-results/enable-banking';

let sim: EnableBankingSimulator;
let ctx: TestContext;
let token: string;
let tesoro: string;
let browser: Browser;
let journey: Journey;
let redirectUri: string;

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  sim = await startEnableBankingSimulator({ allowLoopbackRedirects: true });
  const port = await freePort();
  tesoro = `http://127.0.0.1:${port}`;
  const registry = await createRegistry({
    TESORO_ENABLE_BANKING_APP_ID: sim.applicationId,
    TESORO_ENABLE_BANKING_PRIVATE_KEY: sim.privateKeyPem,
    TESORO_ENABLE_BANKING_API_URL: sim.url,
  });
  ctx = await buildTestContext({ registry, publicUrl: tesoro });
  await ctx.app.listen({ port, host: '127.0.0.1' });
  token = await ctx.tokenFor(await ctx.createClient());
  journey = await startJourney(ctx, token);
  ({ browser, redirectUri } = journey);
});

after(async () => {
  await journey?.close();
  await ctx.close();
  await sim.close();
});

/** From the bank's screen on the hosted page: on to the bank, the consent, back at the app. */
async function throughTheBank(page: Page, shots: string) {
  // No login form: the bank asks for the consent on its own pages.
  const open = page.getByRole('link', { name: 'Open your bank' });
  const submit = page.getByRole('button', { name: 'Connect' });
  await Promise.race([open.waitFor({ timeout: 30_000 }), submit.waitFor({ timeout: 30_000 })]);
  if (await submit.isVisible()) await submit.click();
  await open.waitFor({ timeout: 30_000 });
  await page.screenshot({ path: `${shots}-open-your-bank.png`, fullPage: true });
  await open.click();
  await page.waitForURL((url) => url.href.startsWith(sim.url), { timeout: 20_000 });
  await page.screenshot({ path: `${shots}-bank-consent.png`, fullPage: true });
  await page.getByRole('button', { name: /approve/i }).click();
  await page.waitForURL((url) => url.href.startsWith(redirectUri), { timeout: 60_000 });
  await page.screenshot({ path: `${shots}-back-at-app.png`, fullPage: true });
}

const accountIdsOf = async (connectionId: string) =>
  (await ctx.call(token, { url: `/v1/accounts?connection_id=${connectionId}` }))
    .json()
    .data.map((a: { id: string }) => a.id)
    .sort();

/** The desktop journey's connection, consented again in update mode below. */
let connected: string;

for (const [name, viewport] of [
  ['desktop', { width: 1280, height: 800 }],
  ['phone', { width: 390, height: 844 }],
] as const)
  test(`${name}: the hosted page, the bank's consent page, the callback, and the data`, async () => {
    const created = await ctx.call(token, {
      method: 'POST',
      url: '/v1/connect/sessions',
      payload: { redirect_uri: redirectUri, state: `journey-${name}`, country: 'ES' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const page = await browser.newPage({ viewport });
    page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));
    await page.goto(created.json().url);
    await page.getByRole('heading', { name: 'Connect your accounts' }).waitFor();
    await page.getByLabel('Search').fill('simulado');
    // The bank's logo from Enable Banking's list, allowed by the page's CSP, loaded.
    const logo = page.getByRole('button', { name: /^Banco Simulado/ }).locator('img.logo');
    await logo.waitFor();
    await page.waitForFunction(
      (img) => {
        const loaded = img as unknown as { complete: boolean; naturalWidth: number };
        return loaded.complete && loaded.naturalWidth > 0;
      },
      await logo.elementHandle(),
    );
    await page.screenshot({ path: `${SHOTS}/${name}-1-institutions.png`, fullPage: true });
    await page.getByRole('button', { name: /^Banco Simulado/ }).click();
    await throughTheBank(page, `${SHOTS}/${name}-2`);
    assert.equal(new URL(page.url()).searchParams.get('state'), `journey-${name}`);
    const connection = await connectionOfCode(ctx, token, page.url());
    assert.equal(connection.status, 'ok', JSON.stringify(connection));
    assert.equal((await accountIdsOf(connection.id)).length, 2);
    if (name === 'desktop') connected = connection.id;
    await page.close();
  });

test('the consent revoked at the bank: consent_expired, then consented again in update mode, every id kept', async () => {
  const accountIds = await accountIdsOf(connected);
  const refresh = async () => {
    const asked = await ctx.call(token, { method: 'POST', url: `/v1/connections/${connected}/refresh` });
    assert.equal(asked.statusCode, 202, asked.body);
    return waitForConnection(ctx, token, connected, (c) => c.refresh === null);
  };
  // The session Tesoro reads the bank with, as the bank knows it.
  const before = sim.requests.length;
  assert.equal((await refresh()).status, 'ok');
  const sessionPath = sim.requests.slice(before).find((r) => /^\/sessions\/[^/]+$/.test(r.path))!.path;
  sim.revoke(sessionPath.split('/')[2]!);
  assert.equal((await refresh()).status, 'consent_expired');

  const created = await ctx.call(token, {
    method: 'POST',
    url: '/v1/connect/sessions',
    payload: { redirect_uri: redirectUri, state: 'journey-update', connection_id: connected },
  });
  assert.equal(created.statusCode, 201, created.body);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));
  await page.goto(created.json().url);
  await page.getByText('Banco Simulado').first().waitFor();
  await page.screenshot({ path: `${SHOTS}/update-1-reconnect.png`, fullPage: true });
  await throughTheBank(page, `${SHOTS}/update-2`);
  assert.equal(new URL(page.url()).searchParams.get('state'), 'journey-update');
  const connection = await connectionOfCode(ctx, token, page.url());
  assert.deepEqual([connection.id, connection.status], [connected, 'ok'], JSON.stringify(connection));
  assert.deepEqual(await accountIdsOf(connected), accountIds, 'the same accounts under the new consent');
  await page.close();
});
