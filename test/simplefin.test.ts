// SimpleFIN through the real application, against the local SimpleFIN Bridge: a Setup Token
// becomes a connection (POST /v1/connections), its accounts and transactions are read through the
// native API, and every behaviour docs/connectors/simplefin.md promises is checked: one claim per
// token, 90-day windows stitched, pending rows that post under a new id, revocation, payment due,
// a bank connection in error beside a working one, a skipped account, the Bridge's 429, the SSRF
// guard, and another client seeing nothing. Each group has a simulator of its own, so one group's
// clock or revocation never reaches another. The simulator's clock starts twelve hours behind the
// real one: its data then sits half a day away from every window edge Tesoro computes from the
// real clock, so no result depends on when the test runs.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { connectorModules, createRegistry } from '../src/connectors/registry.ts';
import { SIMPLEFIN_INSTITUTION, simplefinModuleWith } from '../src/connectors/simplefin/index.ts';
import { createLogger } from '../src/logger.ts';
import {
  type ConnectionBody,
  createConnection,
  getConnection,
  waitForConnection,
} from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { accountsOf, DAY } from './simulators/simplefin/data.ts';
import {
  ACCOUNT_IDS,
  CARD,
  PENDING_COFFEE_ID,
  PENDING_FUEL_ID,
  POINTS_CURRENCY,
  POSTED_FUEL_ID,
  type SimpleFinSimulator,
  startSimpleFinSimulator,
} from './simulators/simplefin/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

/** What the connector logged (its own logger: skipped accounts, the Bridge's messages). */
const connectorLogs: Json[] = [];
let connectorLogText = '';
const sink = new Writable({
  write(chunk, _encoding, callback) {
    connectorLogText += chunk.toString();
    for (const line of chunk.toString().split('\n').filter(Boolean)) connectorLogs.push(JSON.parse(line));
    callback();
  },
});

let ctx: TestContext;
let token: string;
const sims: SimpleFinSimulator[] = [];

before(async () => {
  // The server's own modules, SimpleFIN allowed to reach the simulators on loopback.
  const registry = await createRegistry(
    { TESORO_SIMPLEFIN_ALLOW_LOOPBACK: '1' },
    connectorModules.map((m) =>
      m.id === 'simplefin' ? simplefinModuleWith({ logger: createLogger('debug', sink) }) : m,
    ),
  );
  ctx = await buildTestContext({ registry });
  token = await ctx.tokenFor(await ctx.createClient());
});

after(async () => {
  await ctx.close();
  for (const sim of sims) await sim.close();
});

async function simulator(): Promise<SimpleFinSimulator> {
  const sim = await startSimpleFinSimulator({ now: new Date(Date.now() - 12 * 3600_000) });
  sims.push(sim);
  return sim;
}

const call = async (method: string, url: string, payload?: unknown, as = token) => {
  const response = await ctx.call(as, {
    method: method as 'GET',
    url,
    ...(payload !== undefined ? { payload: payload as Json } : {}),
  });
  return { status: response.statusCode, body: (response.body ? response.json() : null) as Json };
};

const connectWith = async (setupToken: string, extra: Json = {}) => {
  const created = await createConnection(ctx, token, {
    institution_id: SIMPLEFIN_INSTITUTION,
    credentials: { setup_token: setupToken },
    ...extra,
  });
  return waitForConnection(ctx, token, created.id);
};

const refresh = async (id: string): Promise<ConnectionBody> => {
  const queued = await call('POST', `/v1/connections/${id}/refresh`);
  assert.equal(queued.status, 202, JSON.stringify(queued.body));
  return waitForConnection(ctx, token, id);
};

const list = async (product: string, connectionId: string, query = '') =>
  (await call('GET', `/v1/${product}?connection_id=${connectionId}&page_size=1000${query}`)).body
    .data as Json[];

const accountsRequests = (sim: SimpleFinSimulator) =>
  sim.requests.filter((r) => r.path === '/simplefin/accounts');

describe('a Setup Token becomes a connection', () => {
  let sim: SimpleFinSimulator;
  let setup: string;
  let t0: number;
  let connection: ConnectionBody;
  const HISTORY = 400;

  before(async () => {
    sim = await simulator();
    t0 = Math.floor(sim.clock.now().getTime() / 1000);
    setup = sim.setupToken('good');
    connection = await connectWith(setup, { history_days: HISTORY });
  });

  test('the claim, then accounts and transactions through the native API', async () => {
    assert.equal(connection.status, 'ok', JSON.stringify(connection));
    assert.equal(sim.requests.filter((r) => r.path.startsWith('/simplefin/claim/')).length, 1);
    const accounts = await list('accounts', connection.id);
    const byName = new Map(accounts.map((a) => [a.name, a]));
    assert.deepEqual([...byName.keys()].sort(), [
      'Everyday Checking',
      'High Yield Savings',
      'Rewards Visa',
      'Travel Points',
    ]);
    const checking = byName.get('Everyday Checking')!;
    assert.deepEqual(
      [checking.balance, checking.available_balance, checking.currency, checking.bank_name],
      [2481.36, 2436.36, 'USD', 'Tesoro Community Bank'],
    );
    assert.equal(
      byName.get('High Yield Savings')!.available_balance,
      10250,
      'omitted: the same as the balance',
    );
    assert.equal(byName.get('Rewards Visa')!.balance, -512.4);
    assert.deepEqual(
      [byName.get('Travel Points')!.currency, byName.get('Travel Points')!.custom_currency],
      ['XXX', POINTS_CURRENCY],
    );

    // Every posted row of the last 400 days (the simulator's rows sit a day apart from t0), and the pending ones.
    const expected = accountsOf(t0, t0)
      .flatMap((a) => a.transactions)
      .filter((t) => t.pending || t.posted > t0 - HISTORY * DAY);
    const transactions = await list('transactions', connection.id);
    assert.equal(transactions.length, expected.length);
    assert.deepEqual(transactions.map((t) => t.transaction_id).sort(), expected.map((t) => t.id).sort());
    const payroll = transactions.find((t) => t.transaction_id === 'TRN-chk-14-payroll')!;
    assert.deepEqual([payroll.amount, payroll.currency, payroll.pending], [2500, 'USD', false]);
    assert.equal(payroll.operation_date, new Date((t0 - 14 * DAY) * 1000).toISOString().slice(0, 10));
    assert.equal(payroll.account_id, checking.id);
    const card = transactions.find((t) => t.transaction_id === 'TRN-card-2')!;
    assert.ok(card.amount < 0);
    assert.deepEqual([card.counterparty, card.mcc], ['Bean There Coffee', '5814']);
    assert.ok(card.transacted_at.endsWith('Z'));
    const fuel = transactions.find((t) => t.transaction_id === PENDING_FUEL_ID)!;
    assert.deepEqual([fuel.pending, fuel.amount], [true, -45]);
  });

  test('more than 90 days: touching 90-day windows, the newest first (it also gives the accounts), then oldest first', () => {
    const windows = accountsRequests(sim).map((r) => {
      assert.deepEqual([r.query.version, r.query.pending, r.status], ['2', '1', 200]);
      return { start: Number(r.query['start-date']), end: Number(r.query['end-date']) };
    });
    assert.equal(windows.length, 5, '400 days: the newest window and four before it');
    const [newest, ...older] = windows;
    assert.equal(newest!.end - newest!.start, 90 * DAY);
    for (const [i, w] of older.entries()) {
      assert.ok(w.end - w.start <= 90 * DAY && w.end > w.start);
      assert.equal(w.end, (older[i + 1] ?? newest!).start, 'each window ends where the next begins');
    }
    const since = older[0]!.start;
    assert.ok(
      Math.abs(since - (Math.floor(Date.now() / 1000) - HISTORY * DAY)) < 600,
      'from history_days back',
    );
  });

  test('the Access URL is never logged nor shown', async () => {
    assert.equal(sim.accessUrls.length, 1);
    const password = new URL(sim.accessUrls[0]!).password;
    const shown = JSON.stringify((await call('GET', `/v1/connections/${connection.id}`)).body);
    for (const text of [ctx.logText(), connectorLogText, shown]) assert.ok(!text.includes(password));
  });

  test('a pending row that posts under a new id: after a refresh the pending one is gone, no duplicate', async () => {
    sim.clock.advance((DAY + 3600) * 1000);
    const before = (await list('transactions', connection.id)).length;
    const done = await refresh(connection.id);
    assert.equal(done.status, 'ok');
    const transactions = await list('transactions', connection.id);
    const ids = transactions.map((t) => t.transaction_id);
    assert.ok(!ids.includes(PENDING_FUEL_ID));
    assert.equal(ids.filter((id) => id === POSTED_FUEL_ID).length, 1);
    assert.equal(transactions.find((t) => t.transaction_id === POSTED_FUEL_ID)!.pending, false);
    assert.ok(ids.includes(PENDING_COFFEE_ID), 'a pending row still listed stays');
    assert.equal(transactions.length, before);
    assert.equal(new Set(ids).size, ids.length);
    const [latest] = (await call('GET', `/v1/connections/${connection.id}/refreshes`)).body.data;
    assert.deepEqual([latest.added, latest.removed], [1, 1]);
    // A later login claims nothing: it reads the newest window, which also serves the accounts.
    assert.equal(sim.requests.filter((r) => r.path.startsWith('/simplefin/claim/')).length, 1);
    assert.equal(accountsRequests(sim).length, 10);
  });

  test('a second claim of the same token is credentials_invalid, with SimpleFIN’s warning', async () => {
    const again = await connectWith(setup);
    assert.equal(again.status, 'credentials_invalid');
    assert.match(String(again.status_detail), /already claimed or is unknown.*may be compromised/);
  });

  test('another client sees nothing of the connection', async () => {
    const other = await ctx.tokenFor(await ctx.createClient());
    assert.equal((await call('GET', `/v1/connections/${connection.id}`, undefined, other)).status, 404);
    const accounts = await call('GET', `/v1/accounts?connection_id=${connection.id}`, undefined, other);
    assert.equal(accounts.status, 404);
    assert.equal((await call('GET', '/v1/transactions?page_size=10', undefined, other)).body.data.length, 0);
  });

  test('revoked at the Bridge: consent_expired; a new Setup Token brings it back with the same ids', async () => {
    const before = (await list('accounts', connection.id)).map((a) => a.id).sort();
    sim.revoke(sim.accessUrls[0]);
    const revoked = await refresh(connection.id);
    assert.equal(revoked.status, 'consent_expired');
    assert.match(String(revoked.status_detail), /revoked at the Bridge/);
    const updated = await call('PUT', `/v1/connections/${connection.id}/credentials`, {
      credentials: { setup_token: sim.setupToken('good') },
    });
    assert.equal(updated.status, 202, JSON.stringify(updated.body));
    const back = await waitForConnection(ctx, token, connection.id);
    assert.equal(back.status, 'ok');
    assert.deepEqual((await list('accounts', connection.id)).map((a) => a.id).sort(), before);
  });
});

describe('failures at the Bridge', () => {
  let sim: SimpleFinSimulator;
  before(async () => {
    sim = await simulator();
  });

  test('after the first day: payment due, every bank connection needing a login, 429', async () => {
    const payment = await connectWith(sim.setupToken('payment_due_later'));
    const reauth = await connectWith(sim.setupToken('reauth_later'));
    const throttled = await connectWith(sim.setupToken('throttled_later'));
    for (const c of [payment, reauth, throttled]) assert.equal(c.status, 'ok');
    sim.clock.advance((DAY + 3600) * 1000);

    const due = await refresh(payment.id);
    assert.equal(due.status, 'action_needed');
    assert.match(String(due.status_detail), /payment/);
    const nothing = await refresh(reauth.id);
    assert.equal(nothing.status, 'action_needed', 'no account could be read at all');
    assert.match(String(nothing.status_detail), /could not read any account.*con\.auth/);
    const limited = await refresh(throttled.id);
    assert.equal(limited.status, 'rate_limited');
    const wait = new Date(String(limited.next_refresh_at)).getTime() - Date.now();
    assert.ok(wait > 3000_000 && wait <= 3600_000, 'Retry-After: 3600 is honoured');
    // The records read before stay.
    assert.equal((await list('accounts', payment.id)).length, 4);
  });

  test('from the first request: the refresh fails with the connection’s status, the Access URL kept', async () => {
    const claims = () => sim.requests.filter((r) => r.path.startsWith('/simplefin/claim/')).length;
    const before = claims();
    const due = await connectWith(sim.setupToken('payment_due'));
    assert.equal(due.status, 'action_needed');
    assert.match(String(due.status_detail), /payment/);
    const nothing = await connectWith(sim.setupToken('reauth'));
    assert.equal(nothing.status, 'action_needed');
    assert.match(String(nothing.status_detail), /could not read any account/);
    assert.equal(claims(), before + 2);
    // The token was spent by the first refresh: the next one must not claim it again (a 403,
    // credentials_invalid), but use the Access URL the failed refresh kept.
    assert.equal((await refresh(due.id)).status, 'action_needed');
    assert.equal(claims(), before + 2);
  });

  test('a bank connection in error beside a working one: its accounts are kept, the products say so', async () => {
    const partial = await connectWith(sim.setupToken('partial'));
    assert.equal(partial.status, 'ok');
    for (const product of ['accounts', 'transactions'])
      assert.equal(partial.product_status[product]!.error, 'product_unavailable');
    const refused = await call('GET', `/v1/transactions?connection_id=${partial.id}`);
    assert.equal(refused.status, 424);
    const accounts = await list('accounts', partial.id, '&allow_partial=true');
    assert.equal(accounts.length, 4, 'the card issuer’s accounts are still listed by the Bridge');
    const transactions = await list('transactions', partial.id, '&allow_partial=true');
    const cardAccount = accounts.find((a) => a.name === 'Rewards Visa')!;
    assert.ok(transactions.some((t) => t.account_id === cardAccount.id));
    assert.ok(
      connectorLogs.some(
        (l) =>
          l.level === 40 && l.code === 'con.auth' && l.conn_id === CARD.conn_id && /Lone Star/.test(l.detail),
      ),
    );
    // A later refresh says the same, and keeps the connection ok.
    const again = await refresh(partial.id);
    assert.equal(again.status, 'ok');
    assert.equal(again.product_status.transactions!.error, 'product_unavailable');
  });

  test('an account the Bridge failed to read is skipped with a warning; the others are stored', async () => {
    const failed = await connectWith(sim.setupToken('account_failed'));
    assert.equal(failed.status, 'ok');
    const names = (await list('accounts', failed.id, '&allow_partial=true')).map((a) => a.name).sort();
    assert.deepEqual(names, ['Everyday Checking', 'Rewards Visa', 'Travel Points']);
    assert.equal(failed.product_status.transactions!.error, 'product_unavailable');
    assert.ok(
      connectorLogs.some(
        (l) =>
          l.level === 40 && l.msg === 'SimpleFIN account skipped' && l.account_id === ACCOUNT_IDS.savings,
      ),
    );
  });

  test('four reads a day: the fifth refresh is not sent to the Bridge, and waits for a free read', async () => {
    const busy = await connectWith(sim.setupToken('good'));
    assert.equal(busy.status, 'ok');
    for (let i = 0; i < 3; i++) assert.equal((await refresh(busy.id)).status, 'ok', `read ${i + 2}`);
    const before = accountsRequests(sim).length;
    const limited = await refresh(busy.id);
    assert.equal(limited.status, 'rate_limited', JSON.stringify(limited));
    assert.match(String(limited.status_detail), /read 4 times a day/);
    assert.equal(accountsRequests(sim).length, before, 'the Bridge was not asked');
    const refreshes = (await call('GET', `/v1/connections/${busy.id}/refreshes?page_size=10`)).body
      .data as Json[];
    const first = refreshes.at(-1)!;
    const wait = Date.parse(String(limited.next_refresh_at)) - Date.parse(String(first.started_at));
    assert.ok(Math.abs(wait - DAY * 1000) < 60_000, `retried when the first read is a day old (${wait} ms)`);
  });

  test('a Bridge that is down: institution_down, retried later', async () => {
    const down = await connectWith(sim.setupToken('down_later'));
    assert.equal(down.status, 'ok');
    sim.clock.advance(DAY * 1000);
    const failed = await refresh(down.id);
    assert.equal(failed.status, 'institution_down');
    assert.ok(failed.next_refresh_at, 'retried by itself');
  });
});

describe('the SSRF guard', () => {
  test('a claim URL on a host that is not allowed: credentials_invalid, and nothing is sent there', async () => {
    let reached = 0;
    // 127.0.0.2 is loopback too, but not one of the addresses TESORO_SIMPLEFIN_ALLOW_LOOPBACK opens.
    const trap = http.createServer((_request, response) => {
      reached++;
      response.end('http://u:p@127.0.0.2/simplefin');
    });
    trap.listen(0, '127.0.0.2');
    await once(trap, 'listening');
    try {
      const port = (trap.address() as AddressInfo).port;
      for (const [claimUrl, host] of [
        [`http://127.0.0.2:${port}/simplefin/claim/abc`, '127.0.0.2'],
        [
          'https://bridge.simplefin.org.attacker.example/simplefin/claim/abc',
          'bridge.simplefin.org.attacker.example',
        ],
        ['http://169.254.169.254/latest/meta-data/claim', '169.254.169.254'],
      ]) {
        const refused = await connectWith(Buffer.from(claimUrl!).toString('base64'));
        assert.equal(refused.status, 'credentials_invalid', claimUrl);
        assert.ok(String(refused.status_detail).includes(host!), String(refused.status_detail));
      }
      assert.equal(reached, 0);
      const stored = await getConnection(ctx, token, (await connectWith('aHR0cDovL2xvY2FsaG9zdDo5L3g=')).id);
      assert.equal(
        stored.status,
        'institution_down',
        'an allowed host that does not answer is the Bridge being down',
      );
    } finally {
      trap.close();
    }
  });
});
