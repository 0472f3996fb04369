// The Enable Banking connector against the local simulator of Enable Banking's API
// (test/simulators/enable-banking/), through the real app: the bank list as institutions, the
// redirect consent through Tesoro's callback, the data, and the complaints users of other
// aggregators file about PSD2 (REAL-INSTITUTIONS.md §5): ids that change on re-consent, banks
// without transaction ids, pending rows that post under new ids, the four-a-day quota, consent
// expiry, outages. The simulator's clock only moves when a test moves it; Tesoro's clock is set to
// follow it where a test moves it (consent expiry, quotas), so both sides judge time alike.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRegistry } from '../src/connectors/registry.ts';
import { expireEndedConsents, warnExpiringConsents } from '../src/jobs/schedule-refreshes.ts';
import { CONTRACT_NOW, redirectAnswers, runConnectorContract } from './contract/connector-contract.ts';
import { type ConnectionBody, createConnection, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, TEST_ISSUER, type TestContext } from './helpers/context.ts';
import {
  type EnableBankingSimulator,
  startEnableBankingSimulator,
} from './simulators/enable-banking/index.ts';

const CALLBACK = `${TEST_ISSUER}/connect/callback/enable_banking`;
const BANCO = 'ins_eb_es_banco_simulado';
const NORDEA = 'ins_eb_fi_nordea_simulado';
const POSITIONNELLE = 'ins_eb_fr_banque_positionnelle';
const HOUR = 3600_000;
const DAY = 24 * HOUR;

let sim: EnableBankingSimulator;
let ctx: TestContext;
let token: string;
/** How far Tesoro's clock runs ahead of the real one, to follow the simulator's. */
let offset = 0;

const settingsOf = (s: EnableBankingSimulator) => ({
  TESORO_ENABLE_BANKING_APP_ID: s.applicationId,
  TESORO_ENABLE_BANKING_PRIVATE_KEY: s.privateKeyPem,
  TESORO_ENABLE_BANKING_API_URL: s.url,
});

/**
 * A simulator and a server of its own, with their clocks together. The banks' pending rows are
 * those of the simulator's first days, so a suite that moves the clock gets its own world.
 */
async function openWorld(): Promise<() => Promise<void>> {
  sim = await startEnableBankingSimulator({ redirectUrls: [CALLBACK] });
  offset = 0;
  ctx = await buildTestContext({ registry: await createRegistry(settingsOf(sim)) });
  ctx.engine.now = () => new Date(Date.now() + offset);
  token = await ctx.tokenFor(await ctx.createClient());
  const [openSim, openCtx] = [sim, ctx];
  return async () => {
    await openCtx.close();
    await openSim.close();
  };
}

/** Moves both clocks: the simulator's by `ms`, Tesoro's to the same instant (and on from there). */
function advance(ms: number) {
  sim.clock.advance(ms);
  offset = sim.clock.now().getTime() - Date.now();
}

const get = async (url: string) => (await ctx.call(token, { url })).json();

/** The bank's page answered by the end user, then Tesoro's callback as their browser follows it. */
async function consent(connection: ConnectionBody, decision: 'approve' | 'deny' = 'approve') {
  assert.equal(connection.challenge?.type, 'redirect', JSON.stringify(connection));
  const consentUrl = (connection.challenge as unknown as { redirect_url: string }).redirect_url;
  assert.ok(consentUrl.startsWith(sim.url), consentUrl);
  const location = new URL(
    decision === 'approve' ? await sim.approve(consentUrl) : await sim.deny(consentUrl),
  );
  assert.equal(location.origin + location.pathname, CALLBACK);
  const callback = await ctx.app.inject({
    url: location.pathname + location.search,
    headers: { 'user-agent': 'Mozilla/5.0 (test)', 'x-forwarded-for': '203.0.113.9' },
  });
  assert.ok(callback.statusCode < 400, callback.body);
}

const challenged = (c: ConnectionBody) => c.status === 'challenge_required' && c.challenge !== null;
const settled = (c: ConnectionBody) => c.refresh === null;

async function connectBank(institution: string) {
  const created = await createConnection(ctx, token, {
    institution_id: institution,
    credentials: {},
    access_mode: 'recurrent',
  });
  await consent(await waitForConnection(ctx, token, created.id, challenged));
  return waitForConnection(ctx, token, created.id, settled);
}

async function refresh(id: string) {
  const asked = await ctx.call(token, { method: 'POST', url: `/v1/connections/${id}/refresh` });
  assert.equal(asked.statusCode, 202, asked.body);
  return waitForConnection(ctx, token, id, settled);
}

const all = async (product: string, id: string) => {
  const records: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  do {
    const page = await get(
      `/v1/${product}?connection_id=${id}&page_size=1000${cursor ? `&cursor=${cursor}` : ''}&allow_partial=true`,
    );
    records.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return records;
};

describe('the bank list', () => {
  let close: () => Promise<void>;
  before(async () => {
    close = await openWorld();
  });
  after(() => close());

  test('Enable Banking’s banks are institutions with stable ids and a redirect consent', async () => {
    const listed = await get('/v1/institutions?country=ES');
    const banco = listed.data.find((i: { id: string }) => i.id === BANCO);
    assert.ok(banco, JSON.stringify(listed.data.map((i: { id: string }) => i.id)));
    assert.deepEqual(banco.mfa, ['redirect']);
    assert.deepEqual(banco.fields, []);
    // What Enable Banking's list says of the bank: its logo and how long a consent may last.
    assert.equal(banco.max_consent_days, 180);
    assert.match(banco.logo_url, /^https?:\/\//);
    const sandbox = await get('/v1/institutions/ins_sandbox_bank');
    assert.deepEqual([sandbox.logo_url, sandbox.max_consent_days], [null, null]);
    const connectors = await get('/v1/connectors');
    assert.equal(connectors.data.find((c: { id: string }) => c.id === 'enable_banking').available, true);
  });

  test('the bank list is read again (daily); a list that cannot be read keeps the one known', async () => {
    const registry = await createRegistry(settingsOf(sim));
    const before = registry.institutions().map((i) => i.id);
    assert.deepEqual(await registry.refreshCatalogs(), ['enable_banking']);
    assert.deepEqual(
      registry.institutions().map((i) => i.id),
      before,
    );
    sim.failNext('/aspsps', 'ASPSP_ERROR');
    assert.deepEqual(await registry.refreshCatalogs(), []);
    assert.ok(registry.findInstitution(BANCO), 'still offered');
  });

  test('unconfigured, the connector is unavailable and offers no bank', async () => {
    const registry = await createRegistry({});
    assert.match(registry.unavailable.find((c) => c.id === 'enable_banking')!.reason, /Not configured/);
    assert.equal(registry.findInstitution(BANCO), undefined);
  });

  test('Enable Banking unreachable at start: unavailable with the reason, the server still starts', async () => {
    const registry = await createRegistry({
      ...settingsOf(sim),
      TESORO_ENABLE_BANKING_API_URL: 'http://127.0.0.1:9',
    });
    const unavailable = registry.unavailable.find((c) => c.id === 'enable_banking');
    assert.match(unavailable!.reason, /bank list could not be read/);
    assert.ok(registry.findInstitution('ins_sandbox_bank'), 'the other connectors are built');
  });

  test('a bad setting stops the server at start, naming it', async () => {
    await assert.rejects(
      createRegistry({ ...settingsOf(sim), TESORO_ENABLE_BANKING_API_URL: 'http://bank.example' }),
      /TESORO_ENABLE_BANKING_API_URL: must be https/,
    );
    await assert.rejects(
      createRegistry({ TESORO_ENABLE_BANKING_APP_ID: 'x', TESORO_ENABLE_BANKING_PRIVATE_KEY: 'nope' }),
      /not a PEM private key/,
    );
  });
});

describe('banks without stable ids', () => {
  let close: () => Promise<void>;
  before(async () => {
    close = await openWorld();
  });
  after(() => close());

  test('Nordea Simulado: no entry_reference and a transaction_id new on every listing, no duplicate', async () => {
    const connection = await connectBank(NORDEA);
    assert.equal(connection.status, 'ok', JSON.stringify(connection));
    const first = (await all('transactions', connection.id)).map((t) => t.id as string).sort();
    assert.ok(first.length > 0);
    await refresh(connection.id);
    const second = (await all('transactions', connection.id)).map((t) => t.id as string).sort();
    assert.deepEqual(second, first);
    // A consent without cards: an empty list, not a failed product.
    const cards = await ctx.call(token, { url: `/v1/cards?connection_id=${connection.id}` });
    assert.equal(cards.statusCode, 200, cards.body);
    assert.deepEqual(cards.json().data, []);
    const named = await all('transactions', connection.id);
    assert.ok(named.every((t) => Number(t.amount) !== 0));
    assert.ok(
      named.some((t) => typeof t.counterparty === 'string' && (t.counterparty as string).length > 0),
      'counterparties found, in the postal address too',
    );
  });

  test('Banque Positionnelle: a pending row that posts under a new id is stored once', async () => {
    const connection = await connectBank(POSITIONNELLE);
    assert.equal(connection.status, 'ok', JSON.stringify(connection));
    const movement = (t: Record<string, unknown>) => `${t.account_id}|${t.amount}|${t.description}`;
    const pendingBefore = (await all('transactions', connection.id)).filter((t) => t.pending);
    assert.ok(pendingBefore.length > 0);
    advance(4 * DAY);
    assert.equal((await refresh(connection.id)).status, 'ok');
    const after = await all('transactions', connection.id);
    const stillPending = after.filter((t) => t.pending);
    assert.ok(stillPending.length < pendingBefore.length, 'pending rows posted or vanished');
    for (const pending of pendingBefore) {
      const booked = after.filter((t) => !t.pending && movement(t) === movement(pending));
      const pendingNow = stillPending.filter((t) => movement(t) === movement(pending));
      // Posted (once, as a booked movement) or still pending or gone — never both at once.
      assert.ok(booked.length <= 1, `${movement(pending)} booked ${booked.length} times`);
      assert.ok(!(booked.length === 1 && pendingNow.length > 0), `${movement(pending)} twice`);
    }
  });
});

describe('Banco Simulado: consent, data, re-consent', () => {
  let close: () => Promise<void>;
  before(async () => {
    close = await openWorld();
  });
  after(() => close());
  let connection: ConnectionBody;
  let accountIds: string[];
  let transactionIds: string[];

  test('the consent goes through the bank’s page and Tesoro’s callback; the data lands', async () => {
    const before = sim.requests.length;
    connection = await connectBank(BANCO);
    assert.equal(connection.status, 'ok', JSON.stringify(connection));
    const accounts = await all('accounts', connection.id);
    assert.deepEqual(accounts.map((a) => a.type).sort(), ['current', 'savings']);
    assert.ok(accounts.every((a) => a.balance !== null && a.currency === 'EUR'));
    const cards = await all('cards', connection.id);
    assert.equal(cards.length, 1);
    assert.equal(Number(cards[0]!.credit_limit), 3000);
    assert.equal((await all('liabilities', connection.id)).length, 1);
    const transactions = await all('transactions', connection.id);
    assert.ok(transactions.length >= 120, `${transactions.length} transactions`);
    assert.ok(
      transactions.some((t) => Number(t.amount) < 0) && transactions.some((t) => Number(t.amount) > 0),
    );
    assert.equal(transactions.filter((t) => t.pending).length, 2);
    assert.ok((await all('card-transactions', connection.id)).length >= 30);
    assert.ok((await all('liability-transactions', connection.id)).length >= 12);
    accountIds = accounts.map((a) => a.id as string).sort();
    // Booked movements keep their ids for good; pending ones go once they post.
    transactionIds = transactions
      .filter((t) => !t.pending)
      .map((t) => t.id as string)
      .sort();
    // The refresh after the callback had its end user: both PSU headers on every data call (the
    // address is the socket's: this server trusts no proxy header unless told to).
    const dataCalls = sim.requests.slice(before).filter((r) => r.path.startsWith('/accounts/'));
    assert.ok(dataCalls.length > 0);
    for (const call of dataCalls) {
      assert.equal(call.headers['psu-ip-address'], '127.0.0.1', call.path);
      assert.equal(call.headers['psu-user-agent'], 'Mozilla/5.0 (test)');
    }
  });

  test('an unattended refresh sends no PSU header and changes no id', async () => {
    const before = sim.requests.length;
    const refreshed = await refresh(connection.id);
    assert.equal(refreshed.status, 'ok');
    const calls = sim.requests.slice(before).filter((r) => r.path.startsWith('/accounts/'));
    assert.ok(calls.length > 0 && calls.every((r) => r.headers['psu-ip-address'] === undefined));
    const transactions = await all('transactions', connection.id);
    assert.deepEqual(
      transactions
        .filter((t) => !t.pending)
        .map((t) => t.id as string)
        .sort(),
      transactionIds,
    );
  });

  test('the four-a-day quota: the fifth unattended read is not asked of the bank; rate_limited until one is free', async () => {
    // The refresh of the test before was the first unattended read; the callback's had its user.
    const [first] = (await get(`/v1/connections/${connection.id}/refreshes`)).data;
    advance(2 * HOUR);
    for (let i = 0; i < 3; i++) assert.equal((await refresh(connection.id)).status, 'ok', `read ${i + 2}`);
    const before = sim.requests.length;
    const limited = await refresh(connection.id);
    assert.equal(limited.status, 'rate_limited', JSON.stringify(limited));
    assert.match(limited.status_detail as string, /read 4 times a day without its end user/);
    assert.deepEqual(
      sim.requests.slice(before).map((r) => r.path),
      [],
      'the bank was not asked',
    );
    const [last] = (await get(`/v1/connections/${connection.id}/refreshes`)).data;
    assert.deepEqual([last.status, last.error_code], ['failed', 'rate_limited']);
    // Retried by the schedule when the first read leaves the 24 hours.
    const view = (await ctx.call(token, { url: `/v1/connections/${connection.id}` })).json();
    const freeAt = Date.parse(first.started_at) + DAY;
    assert.ok(Math.abs(Date.parse(view.next_refresh_at) - freeAt) < 5 * 60_000, view.next_refresh_at);
    advance(freeAt - sim.clock.now().getTime() + 60_000);
    assert.equal((await refresh(connection.id)).status, 'ok', 'a read is free again');
  });

  test('a bank that refuses a read itself (429 ASPSP_RATE_LIMIT_EXCEEDED): rate_limited with its retry time', async () => {
    advance(DAY);
    sim.failNext('/accounts/', 'ASPSP_RATE_LIMIT_EXCEEDED');
    const limited = await refresh(connection.id);
    assert.equal(limited.status, 'rate_limited', JSON.stringify(limited));
    const view = (await ctx.call(token, { url: `/v1/connections/${connection.id}` })).json();
    const retryIn = Date.parse(view.next_refresh_at) - sim.clock.now().getTime();
    assert.ok(Math.abs(retryIn - HOUR) < 5 * 60_000, `retry in ${retryIn} ms`);
  });

  test('a week before the consent ends the client is told, once (connection.consent_expiring)', async () => {
    const view = (await ctx.call(token, { url: `/v1/connections/${connection.id}` })).json();
    const expiresAt = Date.parse(view.consent_expires_at);
    // Asked for 180 days, just inside the bank's maximum.
    assert.ok(
      Math.abs(expiresAt - (Date.parse(connection.created_at as string) + 180 * DAY)) < HOUR,
      view.consent_expires_at,
    );
    const warnings = async () =>
      (await get('/v1/events?page_size=100')).data.filter(
        (e: { type: string }) => e.type === 'connection.consent_expiring',
      );
    assert.equal(await warnExpiringConsents(ctx.engine), 0, 'not yet');
    advance(expiresAt - 6 * DAY - sim.clock.now().getTime());
    assert.equal(await warnExpiringConsents(ctx.engine), 1);
    assert.equal(await warnExpiringConsents(ctx.engine), 0, 'once per consent');
    const [warning] = await warnings();
    assert.deepEqual(
      [warning.data.connection_id, warning.data.consent_expires_at, warning.data.days_left],
      [connection.id, view.consent_expires_at, 6],
      'a few milliseconds under six days: six days, as a person counts them',
    );
  });

  test('when the consent ends the connection is consent_expired at once; a new consent keeps every id', async () => {
    advance(7 * DAY);
    const before = sim.requests.length;
    // The schedule's pass (each minute) sees the consent's end, before any refresh.
    assert.equal(await expireEndedConsents(ctx.engine), 1);
    assert.equal(await expireEndedConsents(ctx.engine), 0, 'once');
    const expired = (await ctx.call(token, { url: `/v1/connections/${connection.id}` })).json();
    assert.deepEqual([expired.status, expired.next_refresh_at], ['consent_expired', null]);
    assert.equal(sim.requests.length, before, 'the bank is not asked with a consent known to have lapsed');
    const [changed] = (await get('/v1/events?page_size=100')).data.filter(
      (e: { type: string; data: { status: string } }) =>
        e.type === 'connection.status_changed' && e.data.status === 'consent_expired',
    );
    assert.equal(changed.data.connection_id, connection.id);
    // A refresh asked anyway hears the same from the bank.
    assert.equal((await refresh(connection.id)).status, 'consent_expired');
    // The end user consents again through a Connect session in update mode.
    await ctx.call(token, {
      method: 'PUT',
      url: '/v1/client/redirect-uris',
      payload: { redirect_uris: ['https://app.example/done'] },
    });
    const session = (
      await ctx.call(token, {
        method: 'POST',
        url: '/v1/connect/sessions',
        payload: { redirect_uri: 'https://app.example/done', connection_id: connection.id },
      })
    ).json();
    assert.ok(session.url, JSON.stringify(session));
    const [, sessionId, sessionToken] = /\/connect\/([^#]+)#(.+)$/.exec(session.url)!;
    const page = (method: 'GET' | 'POST', path: string, payload?: Record<string, unknown>) =>
      ctx.app.inject({
        method,
        url: `/connect/api/${sessionId}${path}`,
        headers: { authorization: `Bearer ${sessionToken}`, 'user-agent': 'Mozilla/5.0 (test)' },
        ...(payload ? { payload } : {}),
      });
    const submitted = await page('POST', '/credentials', { institution_id: BANCO, credentials: {} });
    assert.equal(submitted.statusCode, 200, submitted.body);
    await consent(await waitForConnection(ctx, token, connection.id, challenged));
    const back = await waitForConnection(ctx, token, connection.id, settled);
    assert.equal(back.status, 'ok', JSON.stringify(back));
    assert.deepEqual(
      (await all('accounts', connection.id)).map((a) => a.id as string).sort(),
      accountIds,
      'the same accounts, whatever uids the new consent gave them',
    );
    const transactions = (await all('transactions', connection.id)).map((t) => t.id as string);
    const missing = transactionIds.filter((id) => !transactions.includes(id));
    assert.deepEqual(missing, [], 'every movement kept its id through the new consent');
    const renewed = (await ctx.call(token, { url: `/v1/connections/${connection.id}` })).json();
    assert.ok(
      Date.parse(renewed.consent_expires_at) > sim.clock.now().getTime() + 170 * DAY,
      'a new consent date',
    );
  });

  test('an outage answered with a proxy’s HTML page is institution_down; the next refresh recovers', async () => {
    sim.failNext('/accounts/', 'NON_JSON_502', 1);
    // A fresh consent window: the quota does not get in the way.
    const down = await refresh(connection.id);
    assert.equal(down.status, 'institution_down', JSON.stringify(down));
    assert.equal((await refresh(connection.id)).status, 'ok');
  });
});

describe('a refused consent and other clients', () => {
  let close: () => Promise<void>;
  before(async () => {
    close = await openWorld();
  });
  after(() => close());

  test('the end user refuses at the bank: the challenge fails', async () => {
    const created = await createConnection(ctx, token, { institution_id: BANCO, credentials: {} });
    await consent(await waitForConnection(ctx, token, created.id, challenged), 'deny');
    const failed = await waitForConnection(ctx, token, created.id, settled);
    assert.notEqual(failed.status, 'ok');
    const [last] = (await get(`/v1/connections/${created.id}/refreshes`)).data;
    assert.equal(last.error_code, 'challenge_failed');
  });

  test("another client's token does not find the connection", async () => {
    const [mine] = (await get('/v1/connections')).data;
    const other = await ctx.tokenFor(await ctx.createClient());
    const response = await ctx.call(other, { url: `/v1/connections/${mine.id}` });
    assert.equal(response.statusCode, 404);
  });
});

describe('the connector contract', async () => {
  const contractSim = await startEnableBankingSimulator({
    redirectUrls: ['https://tesoro.example/connect/callback/contract'],
    now: CONTRACT_NOW,
  });
  after(() => contractSim.close());
  const registry = await createRegistry(settingsOf(contractSim));
  runConnectorContract(registry.connector('enable_banking')!, [
    {
      institutionId: BANCO,
      credentials: {},
      // The end user approves on the bank's page; the bank sends them to the callback with a code.
      answers: async (challenge) =>
        redirectAnswers({ ...challenge, redirectUrl: await contractSim.approve(challenge.redirectUrl!) }),
    },
  ]);
});
