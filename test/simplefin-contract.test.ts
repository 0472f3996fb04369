// The SimpleFIN connector against the local SimpleFIN Bridge (test/simulators/simplefin/): the
// connector contract, then its parts one by one: the settings, the SSRF policy, the 90-day
// windows, the errlist codes and the mapping of an Account Set.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { ConnectorError } from '../src/connectors/connector.ts';
import { ConnectorConfigError, createRegistry } from '../src/connectors/registry.ts';
import { classifyErrors, knownCode, retryAfterSeconds } from '../src/connectors/simplefin/errors.ts';
import {
  createSimpleFinConnector,
  SIMPLEFIN_INSTITUTION,
  simplefinModuleWith,
} from '../src/connectors/simplefin/index.ts';
import {
  accountRecord,
  decimalString,
  MAX_WINDOWS,
  newestWindow,
  olderWindows,
  readAccountSet,
  transactionRecords,
  WINDOW_SECONDS,
} from '../src/connectors/simplefin/transform.ts';
import { parseHosts, refusedUrlReason } from '../src/connectors/simplefin/url-policy.ts';
import { createLogger } from '../src/logger.ts';
import { runConnectorContract } from './contract/connector-contract.ts';
import {
  ACCOUNT_IDS,
  BANK,
  CAPPED_MESSAGE,
  POINTS_CURRENCY,
  startSimpleFinSimulator,
} from './simulators/simplefin/index.ts';

/** The contract's own clock (test/contract/connector-contract.ts): the simulator's data is anchored there. */
const NOW = new Date('2026-06-15T12:00:00Z');

const sim = await startSimpleFinSimulator({ now: NOW });
after(() => sim.close());

const loopback = { TESORO_SIMPLEFIN_ALLOW_LOOPBACK: '1' };
// The module as registered, with a logger of its own so the test's output stays quiet.
const quiet = createLogger('silent');
const connector = await simplefinModuleWith({ logger: quiet }).create(loopback);
const token = (url: string) => Buffer.from(url).toString('base64');

runConnectorContract(connector, [
  {
    institutionId: SIMPLEFIN_INSTITUTION,
    credentials: { setup_token: sim.setupToken('good') },
    // A token the Bridge never issued: the claim answers 403.
    wrongCredentials: { setup_token: token(`${sim.url}/claim/0123456789abcdef0123456789abcdef`) },
  },
]);

const login = (c: typeof connector, setupToken: string, session = {}) =>
  c.login({
    institutionId: SIMPLEFIN_INSTITUTION,
    credentials: { setup_token: setupToken },
    session,
    refreshNumber: 0,
    now: NOW,
  });

const rejectsWith = async (promise: Promise<unknown>, code: string, message?: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ConnectorError, String(error));
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });

describe('settings', () => {
  test('available with no variable set (it needs no secret of the operator)', async () => {
    const registry = await createRegistry({});
    assert.equal(registry.findInstitution(SIMPLEFIN_INSTITUTION)?.name, 'SimpleFIN Bridge');
    assert.ok(!registry.unavailable.some((c) => c.id === 'simplefin'));
  });

  test('a bad value stops the start, naming the variable', async () => {
    for (const env of [
      { TESORO_SIMPLEFIN_ALLOW_LOOPBACK: 'yes' },
      { TESORO_SIMPLEFIN_HOSTS: 'https://bridge.simplefin.org' },
      { TESORO_SIMPLEFIN_HOSTS: 'a.example,,b.example' },
    ])
      await assert.rejects(createRegistry(env), (error: unknown) => {
        const name = Object.keys(env)[0]!;
        return (
          error instanceof ConnectorConfigError &&
          error.message.includes(`${name}:`) &&
          /simplefin/.test(error.message)
        );
      });
    const registry = await createRegistry({
      TESORO_SIMPLEFIN_HOSTS: 'bridge.simplefin.org, sfin.mybank.example:8443',
    });
    assert.ok(registry.findInstitution(SIMPLEFIN_INSTITUTION));
  });
});

describe('where requests may go (SSRF)', () => {
  const bridge = { hosts: ['bridge.simplefin.org', 'sfin.bank.example:8443'], allowLoopback: false };
  const reason = (url: string, policy = bridge) => refusedUrlReason(new URL(url), policy);

  test('TESORO_SIMPLEFIN_HOSTS: the Bridge by default; case, spaces, :443 and a final dot do not matter', () => {
    assert.deepEqual(parseHosts(undefined), ['bridge.simplefin.org']);
    assert.deepEqual(parseHosts(' Bridge.SimpleFIN.org:443 , sfin.bank.example.:8443'), [
      'bridge.simplefin.org',
      'sfin.bank.example:8443',
    ]);
  });

  test('https to a listed host only; the default port unless the entry names one', () => {
    assert.equal(reason('https://bridge.simplefin.org/simplefin/claim/x'), null);
    assert.equal(reason('https://BRIDGE.simplefin.org./simplefin/claim/x'), null);
    assert.equal(reason('https://sfin.bank.example:8443/claim/x'), null);
    assert.match(
      reason('http://bridge.simplefin.org/simplefin/claim/x')!,
      /bridge\.simplefin\.org.*https only/,
    );
    assert.match(
      reason('https://bridge.simplefin.org:8443/x')!,
      /bridge\.simplefin\.org:8443 is not an allowed/,
    );
    assert.match(reason('https://evil.example/claim/x')!, /evil\.example is not an allowed/);
    assert.match(reason('https://bridge.simplefin.org.evil.example/x')!, /not an allowed/);
    assert.match(reason('ftp://bridge.simplefin.org/x')!, /ftp/);
  });

  test('loopback only with TESORO_SIMPLEFIN_ALLOW_LOOPBACK, and only 127.0.0.1, ::1 and localhost', () => {
    for (const url of ['http://127.0.0.1:9/claim', 'http://localhost:9/claim', 'http://[::1]:9/claim'])
      assert.match(reason(url)!, /not allowed|https only/, url);
    const tests = { ...bridge, allowLoopback: true };
    for (const url of ['http://127.0.0.1:9/claim', 'http://localhost:9/claim', 'http://[::1]:9/claim'])
      assert.equal(reason(url, tests), null, url);
    for (const url of ['http://127.0.0.2:9/claim', 'http://10.0.0.1/claim', 'http://169.254.169.254/latest'])
      assert.ok(reason(url, tests), url);
  });

  test('a listed literal address must be a public one', () => {
    const listed = { hosts: ['10.0.0.7', '8.8.8.8'], allowLoopback: false };
    assert.match(reason('https://10.0.0.7/claim', listed)!, /private/);
    assert.equal(reason('https://8.8.8.8/claim', listed), null);
  });

  test('a redirect to another host is not followed: credentials_invalid, nothing sent there', async () => {
    let trapped = 0;
    const trap = http.createServer((_request, response) => {
      trapped++;
      response.end('https://u:p@127.0.0.1/');
    });
    trap.listen(0, 'localhost');
    await once(trap, 'listening');
    const trapUrl = `http://localhost:${(trap.address() as AddressInfo).port}/claim/x`;
    const redirector = http.createServer((_request, response) => {
      response.writeHead(307, { location: trapUrl });
      response.end();
    });
    redirector.listen(0, '127.0.0.1');
    await once(redirector, 'listening');
    try {
      const c = createSimpleFinConnector({ policy: { hosts: [], allowLoopback: true }, logger: quiet });
      const setup = token(`http://127.0.0.1:${(redirector.address() as AddressInfo).port}/claim/x`);
      await rejectsWith(login(c, setup), 'credentials_invalid', /redirects to localhost.*not followed/);
      assert.equal(trapped, 0);
    } finally {
      trap.close();
      redirector.close();
    }
  });

  test('without the loopback setting the simulator itself is refused before any request', async () => {
    const before = sim.requests.length;
    const strict = await simplefinModuleWith({ logger: quiet }).create({});
    await rejectsWith(login(strict, sim.setupToken()), 'credentials_invalid', /127\.0\.0\.1 is not allowed/);
    assert.equal(sim.requests.length, before);
  });

  test('text that is not a Setup Token is credentials_invalid, with nothing sent', async () => {
    await rejectsWith(login(connector, 'bm90IGEgdXJs'), 'credentials_invalid', /not a SimpleFIN Setup Token/);
  });
});

describe('the claim', () => {
  test('a token works once: the second claim is refused, with SimpleFIN’s warning', async () => {
    const setup = sim.setupToken();
    const first = await login(connector, setup);
    assert.equal(first.status, 'ok');
    assert.match(
      String(first.session.accessUrl),
      /^http:\/\/[0-9a-f]+:[0-9a-f]+@127\.0\.0\.1:\d+\/simplefin$/,
    );
    await rejectsWith(login(connector, setup), 'credentials_invalid', /already claimed.*may be compromised/);
    // With the session, nothing is claimed again: login reads the newest window.
    const claims = sim.requests.filter((r) => r.path.includes('/claim/')).length;
    assert.equal((await login(connector, setup, first.session)).status, 'ok');
    assert.equal(sim.requests.filter((r) => r.path.includes('/claim/')).length, claims);
    assert.equal(sim.requests.at(-1)!.path, '/simplefin/accounts');
  });
});

describe('90-day windows', () => {
  test('a long history is read in touching windows of at most 90 days, oldest first, capped', () => {
    const newest = newestWindow(NOW);
    assert.equal(newest.end - newest.start, WINDOW_SECONDS);
    const since = new Date(NOW.getTime() - 400 * 86_400_000);
    const older = olderWindows(newest, since);
    assert.equal(older.length, 4);
    assert.equal(older[0]!.start, Math.floor(since.getTime() / 1000));
    assert.equal(older.at(-1)!.end, newest.start);
    for (const [i, w] of older.entries()) {
      assert.ok(w.end - w.start <= WINDOW_SECONDS && w.end > w.start);
      if (i > 0) assert.equal(w.start, older[i - 1]!.end);
    }
    assert.deepEqual(olderWindows(newest, new Date(NOW.getTime() - 30 * 86_400_000)), []);
    assert.equal(olderWindows(newest, new Date(0)).length, MAX_WINDOWS - 1);
  });

  test('the simulator caps a longer range with SimpleFIN’s gen.api warning; the connector never asks one', async () => {
    const setup = sim.setupToken();
    const { session } = await login(connector, setup);
    const access = new URL(String(session.accessUrl));
    const end = Math.floor(NOW.getTime() / 1000);
    const response = await fetch(
      `${sim.url}/accounts?version=2&start-date=${end - 200 * 86_400}&end-date=${end}`,
      {
        headers: {
          authorization: `Basic ${Buffer.from(`${access.username}:${access.password}`).toString('base64')}`,
        },
      },
    );
    const body = (await response.json()) as { errlist: Array<{ code: string; msg: string }> };
    assert.deepEqual(body.errlist, [{ code: 'gen.api', msg: CAPPED_MESSAGE }]);
    // Every request the connector made in this file (version=2 and pending=1) fits in 90 days.
    const connectors = sim.requests.filter((r) => r.path.endsWith('/accounts') && r.query.pending === '1');
    assert.ok(connectors.length > 0);
    for (const r of connectors)
      assert.ok(Number(r.query['end-date']) - Number(r.query['start-date']) <= WINDOW_SECONDS);
  });
});

describe('the request budget', () => {
  test('past 24 a day a warning, past 96 a 403 the connector reads as consent_expired', async () => {
    const { session } = await login(connector, sim.setupToken());
    const access = new URL(String(session.accessUrl));
    const authorization = `Basic ${Buffer.from(`${access.username}:${access.password}`).toString('base64')}`;
    const codes = [];
    // The first login only claimed: these are the Access URL's first 96 reads.
    for (let n = 1; n <= 96; n++) {
      const body = (await (
        await fetch(`${sim.url}/accounts?version=2&balances-only=1`, { headers: { authorization } })
      ).json()) as {
        errlist: Array<{ code: string }>;
      };
      codes.push(body.errlist.map((e) => e.code).join());
    }
    assert.deepEqual(codes.slice(0, 24), Array(24).fill(''));
    assert.deepEqual(new Set(codes.slice(24)), new Set(['gen.api']));
    await rejectsWith(login(connector, '', session), 'consent_expired', /Access blocked/);
    // A day later the rolling budget has replenished.
    sim.clock.advance(86_400_000 + 1000);
    try {
      assert.equal((await login(connector, '', session)).status, 'ok');
    } finally {
      sim.clock.set(NOW);
    }
  });
});

describe('errlist codes', () => {
  test('unknown subcodes fall back to their prefix; msg or message', () => {
    assert.equal(knownCode('con.auth'), 'con.auth');
    assert.equal(knownCode('con.mfa_required'), 'con.');
    assert.equal(knownCode('act.stale'), 'act.');
    assert.equal(knownCode('gen.weird'), 'gen.');
    assert.equal(knownCode('zzz.auth'), null);
    const errors = classifyErrors([
      { code: 'con.auth', message: 'Authentication required', conn_id: 'C1' },
      { code: 'con.mfa_required', msg: 'MFA', conn_id: 'C2' },
      { code: 'act.missingdata', msg: 'Incomplete', account_id: 'A1' },
      { code: 'gen.api', msg: 'for the developer' },
      { code: 'zzz.x', msg: 'from the future' },
      { code: 'act.failed', msg: 'no account named' },
    ]);
    assert.equal(errors.fatal, null);
    assert.deepEqual(
      [...errors.connections.values()].map((p) => [p.connId, p.code, p.message]),
      [
        ['C1', 'action_needed', 'Authentication required'],
        ['C2', 'institution_down', 'MFA'],
      ],
    );
    assert.deepEqual([...errors.accounts.keys()], ['A1']);
    assert.equal(errors.general.length, 1);
    assert.deepEqual(
      errors.notices.map((n) => n.code),
      ['gen.api', 'zzz.x'],
    );
    assert.equal(errors.generalFailure, false);
    assert.equal(
      classifyErrors([{ code: 'gen.auth', msg: 'No credentials' }]).fatal?.code,
      'consent_expired',
    );
    assert.equal(classifyErrors([{ code: 'gen.oops', msg: 'x' }]).generalFailure, true);
  });

  test('messages are sanitised; Retry-After in seconds or as a date', () => {
    const errors = classifyErrors([{ code: 'con.auth', msg: 'bad\u0000\n<b>x</b>  y', conn_id: 'C' }]);
    assert.equal(errors.connections.get('C')!.message, 'bad <b>x</b> y');
    assert.equal(retryAfterSeconds('120', NOW), 120);
    assert.equal(retryAfterSeconds(new Date(NOW.getTime() + 90_000).toUTCString(), NOW), 90);
    assert.equal(retryAfterSeconds(undefined, NOW), undefined);
  });
});

describe('mapping', () => {
  test('amounts keep their sign and digits; posted is a UTC day; custom currencies are XXX', () => {
    assert.equal(decimalString('-33293.43'), '-33293.43');
    assert.equal(decimalString('+12.5'), '12.50');
    assert.equal(decimalString('100'), '100.00');
    assert.equal(decimalString('0.125'), '0.125');
    assert.equal(decimalString('-0.00'), '0.00');
    assert.equal(decimalString(7), '7.00');
    assert.equal(decimalString('1,000.00'), null);
    assert.equal(decimalString(''), null);
    const set = readAccountSet({
      errlist: [],
      connections: [
        { conn_id: 'CON-1', name: 'My Bank - Jill', org_id: 'O', org_name: 'My Bank', sfin_url: 'x' },
      ],
      accounts: [
        {
          id: 'A',
          name: 'Savings',
          conn_id: 'CON-1',
          currency: 'usd',
          balance: '100.23',
          'balance-date': 978366153,
          transactions: [
            // 23:30 UTC on 2026-06-14: the UTC day, whatever the server's time zone.
            { id: 'T1', posted: 1781479800, amount: '-5', description: 'Coffee', transacted_at: 1781470000 },
            { id: 'T2', posted: 0, amount: '1.00', description: 'Hold', pending: true },
          ],
        },
        {
          id: 'B',
          name: 'Miles',
          conn_id: 'CON-1',
          currency: 'https://a.example/miles',
          balance: '7',
          'balance-date': 978366153,
        },
      ],
    });
    const [savings, miles] = set.accounts.map(accountRecord);
    assert.equal(savings!.naturalKey, 'CON-1:A');
    assert.deepEqual(
      [
        savings!.data.currency,
        savings!.data.balance,
        savings!.data.available_balance,
        savings!.data.bank_name,
      ],
      ['USD', '100.23', '100.23', 'My Bank'],
    );
    assert.deepEqual([miles!.data.currency, miles!.data.custom_currency], ['XXX', 'https://a.example/miles']);
    const [posted, held] = transactionRecords(set.accounts[0]!, '2000-01-01', '2026-06-15');
    assert.equal(posted!.naturalKey, 'CON-1:A:T1');
    assert.equal(posted!.parentKey, 'CON-1:A');
    assert.deepEqual(
      [posted!.data.amount, posted!.data.operation_date, posted!.data.value_date],
      ['-5.00', '2026-06-14', null],
    );
    assert.equal(posted!.data.transacted_at, '2026-06-14T20:46:40.000Z');
    // A pending row with no date at all: the account's balance date.
    assert.deepEqual([held!.data.pending, held!.data.operation_date], [true, '2001-01-01']);
  });

  test('v1 Account Sets (an older server) are read too, keyed by the organisation', async () => {
    const setup = sim.setupToken('partial');
    const { session } = await login(connector, setup);
    const access = new URL(String(session.accessUrl));
    const response = await fetch(`${sim.url}/accounts?balances-only=1`, {
      headers: {
        authorization: `Basic ${Buffer.from(`${access.username}:${access.password}`).toString('base64')}`,
      },
    });
    const set = readAccountSet((await response.json()) as Record<string, unknown>);
    assert.equal(set.version, 1);
    assert.deepEqual(
      set.errors.notices.map((n) => n.message),
      ['Connection to Lone Star Card Services may need attention'],
    );
    const checking = set.accounts.find((a) => a.raw.id === ACCOUNT_IDS.checking)!;
    assert.equal(checking.key, `tcb.example:${ACCOUNT_IDS.checking}`);
    assert.equal(checking.bankName, 'Tesoro Community Bank');
    assert.equal(checking.raw.transactions, undefined, 'balances-only');
  });

  test('the simulator’s accounts as records: keys, balances, the points currency', async () => {
    const { session } = await login(connector, sim.setupToken());
    const records = [];
    for await (const batch of connector.extract({
      institutionId: SIMPLEFIN_INSTITUTION,
      session,
      product: 'accounts',
      since: new Date(0),
      refreshNumber: 0,
      now: NOW,
    }))
      records.push(...batch);
    const byId = new Map(records.map((r) => [String(r.naturalKey.split(':').at(-1)), r.data]));
    assert.equal(
      records.find((r) => r.naturalKey === `${BANK.conn_id}:${ACCOUNT_IDS.checking}`)?.data.name,
      'Everyday Checking',
    );
    assert.deepEqual(
      [byId.get(ACCOUNT_IDS.savings)!.balance, byId.get(ACCOUNT_IDS.savings)!.available_balance],
      ['10250.00', '10250.00'],
    );
    assert.deepEqual(
      [byId.get(ACCOUNT_IDS.points)!.currency, byId.get(ACCOUNT_IDS.points)!.custom_currency],
      ['XXX', POINTS_CURRENCY],
    );
  });
});
