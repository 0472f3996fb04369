// The Enable Banking simulator on its own, through plain fetch and JWTs signed here with jose: the
// JWT refusals, GET /aspsps, the consent flow (approve, deny, codes), sessions and their
// lifecycle on the simulated clock, paging, each bank's id and amount quirks, pending rows that
// book under new ids, the PSD2 quota and upstream faults. The connector's own tests rely on all of
// this behaving as test/simulators/enable-banking/README.md says.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { type EnableBankingSimulator, startEnableBankingSimulator } from './enable-banking/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = any;

const START = new Date('2026-03-15T10:00:00Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;
const REDIRECT = 'https://tesoro.example/connect/callback/enable_banking';
const PSU = { 'Psu-Ip-Address': '203.0.113.7', 'Psu-User-Agent': 'Mozilla/5.0 (simulated)' };
const BANCO = { name: 'Banco Simulado', country: 'ES' };
const NORDEA = { name: 'Nordea Simulado', country: 'FI' };
const POSITIONNELLE = { name: 'Banque Positionnelle', country: 'FR' };

interface Answer {
  status: number;
  body: Json;
  text: string;
  headers: Headers;
}

const simulators: EnableBankingSimulator[] = [];
async function start(options: Parameters<typeof startEnableBankingSimulator>[0] = {}) {
  const sim = await startEnableBankingSimulator({ now: START, ...options });
  simulators.push(sim);
  return sim;
}
after(() => Promise.all(simulators.map((sim) => sim.close())));

/** A JWT as Enable Banking requires it, timed by the simulated clock; `claims`/`header` override. */
async function sign(
  sim: EnableBankingSimulator,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  pem = sim.privateKeyPem,
): Promise<string> {
  const iat = Math.floor(sim.clock.now().getTime() / 1000);
  const payload: Record<string, unknown> = {
    iss: 'enablebanking.com',
    aud: 'api.enablebanking.com',
    iat,
    exp: iat + 3600,
    ...claims,
  };
  // A claim given as undefined is left out.
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: sim.applicationId, ...header })
    .sign(createPrivateKey(pem));
}

async function call(
  sim: EnableBankingSimulator,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; token?: string | null } = {},
): Promise<Answer> {
  const token = options.token === undefined ? await sign(sim) : options.token;
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: Json = null;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, text, headers: response.headers };
}

function assertError(answer: Answer, status: number, error: string | null) {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.body.code, status);
  assert.equal(answer.body.error, error);
  assert.equal(typeof answer.body.message, 'string');
  return answer.body;
}

const inDays = (sim: EnableBankingSimulator, days: number) =>
  new Date(sim.clock.now().getTime() + days * DAY).toISOString();
const day = (sim: EnableBankingSimulator, offset = 0) =>
  new Date(sim.clock.now().getTime() + offset * DAY).toISOString().slice(0, 10);

async function startAuth(sim: EnableBankingSimulator, aspsp = BANCO, extra: Record<string, unknown> = {}) {
  const answer = await call(sim, 'POST', '/auth', {
    body: {
      access: { valid_until: inDays(sim, 90) },
      aspsp,
      state: 'state-123',
      redirect_url: REDIRECT,
      psu_type: 'personal',
      ...extra,
    },
  });
  assert.equal(answer.status, 200, answer.text);
  return answer.body as { url: string; authorization_id: string; psu_id_hash: string };
}

/** auth → the bank's page (approve) → POST /sessions. */
async function connect(sim: EnableBankingSimulator, aspsp = BANCO, extra: Record<string, unknown> = {}) {
  const auth = await startAuth(sim, aspsp, extra);
  const callback = new URL(await sim.approve(auth.url));
  const answer = await call(sim, 'POST', '/sessions', { body: { code: callback.searchParams.get('code') } });
  assert.equal(answer.status, 200, answer.text);
  return answer.body as { session_id: string; accounts: Json[]; access: Json; aspsp: Json };
}

const accountOf = (session: { accounts: Json[] }, details: string) => {
  const account = session.accounts.find((a) => a.details === details);
  assert.ok(account, `no account ${details}`);
  return account;
};

/** Every page of a listing; returns the pages' transactions. */
async function allPages(
  sim: EnableBankingSimulator,
  uid: string,
  query: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<Json[][]> {
  const pages: Json[][] = [];
  let key: string | null = null;
  do {
    const params = new URLSearchParams({ ...query, ...(key ? { continuation_key: key } : {}) });
    const answer = await call(sim, 'GET', `/accounts/${uid}/transactions?${params}`, { headers });
    assert.equal(answer.status, 200, answer.text);
    pages.push(answer.body.transactions);
    key = answer.body.continuation_key;
  } while (key);
  return pages;
}

describe('JWT authentication', () => {
  let sim: EnableBankingSimulator;
  before(async () => {
    sim = await start();
  });

  test('a JWT as documented opens GET /application', async () => {
    const answer = await call(sim, 'GET', '/application');
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.kid, sim.applicationId);
    assert.deepEqual(answer.body.redirect_urls, [REDIRECT]);
    assert.deepEqual(answer.body.services, ['AIS']);
    assert.equal(answer.body.active, true);
  });

  test('no Authorization header is AUTHORIZATION_NOT_PROVIDED', async () => {
    assertError(await call(sim, 'GET', '/application', { token: null }), 401, 'AUTHORIZATION_NOT_PROVIDED');
  });

  test('every JWT fault is 401 UNAUTHORIZED_ACCESS with its own detail', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const iat = Math.floor(sim.clock.now().getTime() / 1000);
    const cases: Array<[string, string]> = [
      ['not-a-jwt', 'Malformed JWT'],
      [
        await new SignJWT({ iss: 'enablebanking.com', aud: 'api.enablebanking.com', iat, exp: iat + 60 })
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: sim.applicationId })
          .sign(new TextEncoder().encode('a shared secret of enough length')),
        'Only RS256 is supported',
      ],
      [await sign(sim, {}, { kid: 'someone-else' }), 'Unknown application id (kid)'],
      [await sign(sim, {}, { typ: undefined }), 'JWT header typ must be JWT'],
      [await sign(sim, {}, {}, other), 'Invalid JWT signature'],
      [await sign(sim, { iss: 'example.com' }), 'JWT iss must be enablebanking.com'],
      [await sign(sim, { aud: 'api.tilisy.com' }), 'JWT aud must be api.enablebanking.com'],
      [await sign(sim, { exp: undefined }), 'JWT iat and exp are required'],
      [await sign(sim, { exp: iat + 86_401 }), 'JWT time-to-live exceeds 86400 seconds'],
      [await sign(sim, { iat: iat - 7200, exp: iat - 3600 }), 'JWT is expired'],
    ];
    for (const [token, detail] of cases) {
      const body = assertError(await call(sim, 'GET', '/aspsps', { token }), 401, 'UNAUTHORIZED_ACCESS');
      assert.equal(body.message, 'Unauthorized access');
      assert.equal(body.detail, detail);
    }
    // Exactly 24 hours is allowed.
    assert.equal(
      (await call(sim, 'GET', '/aspsps', { token: await sign(sim, { exp: iat + 86_400 }) })).status,
      200,
    );
  });

  test('expiry is judged by the simulated clock', async () => {
    const token = await sign(sim);
    assert.equal((await call(sim, 'GET', '/application', { token })).status, 200);
    sim.clock.advance(HOUR);
    const body = assertError(await call(sim, 'GET', '/application', { token }), 401, 'UNAUTHORIZED_ACCESS');
    assert.equal(body.detail, 'JWT is expired');
    sim.clock.set(START);
  });
});

describe('GET /aspsps', () => {
  let sim: EnableBankingSimulator;
  before(async () => {
    sim = await start();
  });

  test('lists the three banks with the documented fields', async () => {
    const { body } = await call(sim, 'GET', '/aspsps');
    assert.deepEqual(
      body.aspsps.map((a: Json) => [a.name, a.country, a.maximum_consent_validity]),
      [
        ['Banco Simulado', 'ES', 180 * 86_400],
        ['Nordea Simulado', 'FI', 90 * 86_400],
        ['Banque Positionnelle', 'FR', 180 * 86_400],
      ],
    );
    for (const aspsp of body.aspsps) {
      assert.equal(aspsp.beta, false);
      assert.match(aspsp.bic, /^SIMU/);
      assert.deepEqual(aspsp.required_psu_headers, ['Psu-Ip-Address', 'Psu-User-Agent']);
      assert.ok(aspsp.auth_methods.every((m: Json) => m.approach === 'REDIRECT'));
      const logo = await fetch(aspsp.logo);
      assert.equal(logo.status, 200);
      assert.match(String(logo.headers.get('content-type')), /^image\/svg/);
    }
  });

  test('filters by country, psu_type and service', async () => {
    const names = async (query: string) =>
      (await call(sim, 'GET', `/aspsps?${query}`)).body.aspsps.map((a: Json) => a.name);
    assert.deepEqual(await names('country=FI'), ['Nordea Simulado']);
    assert.deepEqual(await names('psu_type=business'), ['Banco Simulado']);
    assert.deepEqual(await names('country=ES&psu_type=personal&service=AIS'), ['Banco Simulado']);
    assert.deepEqual(await names('service=PIS'), []);
    assert.deepEqual(await names('country=DE'), []);
    assertError(await call(sim, 'GET', '/aspsps?psu_type=robot'), 422, 'WRONG_REQUEST_PARAMETERS');
  });
});

describe('consent', () => {
  let sim: EnableBankingSimulator;
  before(async () => {
    sim = await start();
  });

  test('auth → the bank page → approve → sessions, with the statuses on the way', async () => {
    const auth = await startAuth(sim, BANCO, { psu_id: 'user-42' });
    assert.equal(auth.url, `${sim.url}/consent/${auth.authorization_id}`);
    assert.match(auth.psu_id_hash, /^[0-9a-f]{64}$/);
    assert.equal((await startAuth(sim, BANCO, { psu_id: 'user-42' })).psu_id_hash, auth.psu_id_hash);

    const page = await fetch(auth.url);
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(html, /Banco Simulado/);
    assert.match(html, /<form method="post" action="\/consent\//);
    assert.match(html, /name="decision" value="approve">Approve</);
    assert.match(html, /name="decision" value="deny">Deny</);

    const pending = await call(sim, 'GET', `/sessions/${auth.authorization_id}`);
    assert.equal(pending.body.status, 'PENDING_AUTHORIZATION');

    const callback = new URL(await sim.approve(auth.url));
    assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT);
    assert.equal(callback.searchParams.get('state'), 'state-123');
    const code = callback.searchParams.get('code');
    assert.ok(code);
    assert.equal(
      (await call(sim, 'GET', `/sessions/${auth.authorization_id}`)).body.status,
      'RETURNED_FROM_BANK',
    );
    assert.equal((await fetch(auth.url)).status, 409, 'the page is done once decided');

    const created = await call(sim, 'POST', '/sessions', { body: { code } });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(created.body.aspsp, BANCO);
    assert.equal(created.body.psu_type, 'personal');
    assert.deepEqual(
      created.body.accounts.map((a: Json) => a.cash_account_type),
      ['CACC', 'SVGS', 'CARD', 'LOAN'],
    );
    for (const account of created.body.accounts) {
      assert.match(account.uid, /^[0-9a-f-]{36}$/);
      assert.match(account.identification_hash, /^[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/);
      assert.ok(account.identification_hashes.includes(account.identification_hash));
    }
    const card = accountOf(created.body, 'Tarjeta de Crédito Visa');
    assert.deepEqual(card.credit_limit, { currency: 'EUR', amount: '3000.00' });
    assert.equal(card.account_id.other.scheme_name, 'CPAN');

    const session = await call(sim, 'GET', `/sessions/${created.body.session_id}`);
    assert.equal(session.body.status, 'AUTHORIZED');
    assert.deepEqual(
      session.body.accounts,
      created.body.accounts.map((a: Json) => a.uid),
    );
    assert.deepEqual(
      session.body.accounts_data.map((a: Json) => a.identification_hash),
      created.body.accounts.map((a: Json) => a.identification_hash),
    );
    assert.equal(session.body.psu_id_hash, auth.psu_id_hash);
    assert.equal(session.body.access.valid_until, created.body.access.valid_until);
    assert.equal(Date.parse(session.body.access.valid_until), Date.parse(inDays(sim, 90)));
    assert.equal(Date.parse(session.body.authorized), START.getTime());
  });

  test('deny: the callback carries error=access_denied and the authorization is CANCELLED', async () => {
    const auth = await startAuth(sim);
    const callback = new URL(await sim.deny(auth.url));
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('error_description'), 'Cancelled by user');
    assert.equal(callback.searchParams.get('state'), 'state-123');
    assert.equal(callback.searchParams.get('code'), null);
    assert.equal((await call(sim, 'GET', `/sessions/${auth.authorization_id}`)).body.status, 'CANCELLED');
    await assert.rejects(sim.approve(auth.url), /409/);
  });

  test('POST /auth refusals', async () => {
    const body = (overrides: Record<string, unknown>) => ({
      access: { valid_until: inDays(sim, 90) },
      aspsp: BANCO,
      state: 's',
      redirect_url: REDIRECT,
      ...overrides,
    });
    const tooLong = await call(sim, 'POST', '/auth', {
      body: body({
        aspsp: NORDEA,
        access: { valid_until: new Date(START.getTime() + 90 * DAY + 1000).toISOString() },
      }),
    });
    assert.equal(
      assertError(tooLong, 422, 'WRONG_REQUEST_PARAMETERS').message,
      'ASPSP does not support consent validity more than 7776000 seconds in the future',
    );
    assert.equal((await call(sim, 'POST', '/auth', { body: body({ aspsp: NORDEA }) })).status, 200);
    assertError(
      await call(sim, 'POST', '/auth', { body: body({ access: {} }) }),
      422,
      'WRONG_REQUEST_PARAMETERS',
    );
    assertError(
      await call(sim, 'POST', '/auth', { body: body({ access: { valid_until: inDays(sim, -1) } }) }),
      422,
      'WRONG_REQUEST_PARAMETERS',
    );
    assertError(
      await call(sim, 'POST', '/auth', { body: body({ redirect_url: 'https://evil.example/cb' }) }),
      400,
      'REDIRECT_URI_NOT_ALLOWED',
    );
    assertError(
      await call(sim, 'POST', '/auth', { body: body({ redirect_url: 'http://127.0.0.1:8080/cb' }) }),
      400,
      'REDIRECT_URI_NOT_ALLOWED',
    );
    assertError(
      await call(sim, 'POST', '/auth', { body: body({ aspsp: { name: 'Banco Simulado', country: 'FR' } }) }),
      422,
      'WRONG_ASPSP_PROVIDED',
    );
    assertError(
      await call(sim, 'POST', '/auth', { body: body({ aspsp: NORDEA, psu_type: 'business' }) }),
      422,
      'WRONG_REQUEST_PARAMETERS',
    );
    assertError(
      await call(sim, 'POST', '/auth', { body: body({ credentials: { userId: 'x' } }) }),
      422,
      'WRONG_REQUEST_PARAMETERS',
    );
  });

  test('loopback redirect URLs when allowed', async () => {
    const loopback = await start({ allowLoopbackRedirects: true });
    for (const url of ['http://127.0.0.1:4567/connect/callback', 'http://localhost:9/cb'])
      assert.equal(
        (
          await call(loopback, 'POST', '/auth', {
            body: {
              access: { valid_until: inDays(loopback, 10) },
              aspsp: BANCO,
              state: 's',
              redirect_url: url,
            },
          })
        ).status,
        200,
      );
    assertError(
      await call(loopback, 'POST', '/auth', {
        body: {
          access: { valid_until: inDays(loopback, 10) },
          aspsp: BANCO,
          state: 's',
          redirect_url: 'https://x.example/',
        },
      }),
      400,
      'REDIRECT_URI_NOT_ALLOWED',
    );
  });

  test('an authorization code is single use, expires after 10 minutes, and must exist', async () => {
    assertError(
      await call(sim, 'POST', '/sessions', { body: { code: 'nope' } }),
      422,
      'WRONG_AUTHORIZATION_CODE',
    );
    const first = new URL(await sim.approve((await startAuth(sim)).url)).searchParams.get('code');
    assert.equal((await call(sim, 'POST', '/sessions', { body: { code: first } })).status, 200);
    assertError(await call(sim, 'POST', '/sessions', { body: { code: first } }), 422, 'ALREADY_AUTHORIZED');

    const auth = await startAuth(sim);
    const late = new URL(await sim.approve(auth.url)).searchParams.get('code');
    sim.clock.advance(10 * 60_000 - 1);
    const clocked = sim.clock.now();
    sim.clock.advance(1);
    assertError(
      await call(sim, 'POST', '/sessions', { body: { code: late } }),
      422,
      'EXPIRED_AUTHORIZATION_CODE',
    );
    assert.equal((await call(sim, 'GET', `/sessions/${auth.authorization_id}`)).body.status, 'INVALID');
    sim.clock.set(clocked);
    assert.equal((await call(sim, 'POST', '/sessions', { body: { code: late } })).status, 200);
    sim.clock.set(START);
  });

  test('re-consent: new session, new uids, the same identification hashes', async () => {
    const one = await connect(sim);
    const two = await connect(sim);
    assert.notEqual(one.session_id, two.session_id);
    const uids = new Set(one.accounts.map((a) => a.uid));
    assert.ok(two.accounts.every((a) => !uids.has(a.uid)));
    assert.deepEqual(
      two.accounts.map((a) => a.identification_hash),
      one.accounts.map((a) => a.identification_hash),
    );
    // Both sessions still read their own accounts.
    for (const session of [one, two])
      assert.equal((await call(sim, 'GET', `/accounts/${session.accounts[0].uid}/details`)).status, 200);
    // And a fresh simulator (another process, another day) gives the same hashes for the same accounts.
    const again = await connect(await start({ now: new Date('2026-07-01T00:00:00Z') }));
    assert.deepEqual(
      again.accounts.map((a) => a.identification_hash),
      one.accounts.map((a) => a.identification_hash),
    );
  });

  test('access.accounts narrows the session to the listed accounts', async () => {
    const full = await connect(sim);
    const iban = accountOf(full, 'Cuenta Ahorro').account_id.iban;
    const narrowed = await connect(sim, BANCO, {
      access: { valid_until: inDays(sim, 30), accounts: [{ iban }], balances: false },
    });
    assert.deepEqual(
      narrowed.accounts.map((a) => a.account_id.iban),
      [iban],
    );
    assertError(
      await call(sim, 'GET', `/accounts/${narrowed.accounts[0].uid}/balances`),
      403,
      'ACCESS_DENIED',
    );
  });
});

describe('transactions and balances', () => {
  let sim: EnableBankingSimulator;
  before(async () => {
    sim = await start();
  });

  test('Banco Simulado: 730 days just after consent, paged to the end through an empty middle page', async () => {
    const session = await connect(sim);
    const current = accountOf(session, 'Cuenta Corriente');
    const pages = await allPages(sim, current.uid, { date_from: day(sim, -729) });
    assert.deepEqual(
      pages.map((p) => p.length),
      [50, 0, 50, 22],
    );
    const rows = pages.flat();
    assert.equal(rows.filter((t) => t.status === 'BOOK').length, 120);
    assert.equal(rows.filter((t) => t.status === 'PDNG').length, 2);
    assert.ok(rows.every((t) => t.transaction_date >= day(sim, -729)));
    // Stable, unique entry references, also on pending rows; DBIT amounts carry a minus sign.
    const refs = rows.map((t) => t.entry_reference);
    assert.ok(refs.every((r) => typeof r === 'string' && r.length > 0));
    assert.equal(new Set(refs).size, refs.length);
    assert.ok(
      rows
        .filter((t) => t.credit_debit_indicator === 'DBIT')
        .every((t) => t.transaction_amount.amount.startsWith('-')),
    );
    assert.ok(
      rows
        .filter((t) => t.credit_debit_indicator === 'CRDT')
        .every((t) => !t.transaction_amount.amount.startsWith('-')),
    );
    const again = (await allPages(sim, current.uid, { date_from: day(sim, -729) })).flat();
    assert.deepEqual(
      again.map((t) => [t.entry_reference, t.transaction_id]),
      rows.map((t) => [t.entry_reference, t.transaction_id]),
    );
    // A booked row can be fetched on its own.
    const one = await call(sim, 'GET', `/accounts/${current.uid}/transactions/${rows[5].transaction_id}`);
    assert.deepEqual(one.body, rows[5]);
    assertError(
      await call(sim, 'GET', `/accounts/${current.uid}/transactions/nope`),
      404,
      'TRANSACTION_DOES_NOT_EXIST',
    );
    // Status filter.
    const pendingOnly = (await allPages(sim, current.uid, { transaction_status: 'PDNG' })).flat();
    assert.deepEqual(
      pendingOnly.map((t) => [t.status, t.booking_date]),
      [
        ['PDNG', null],
        ['PDNG', null],
      ],
    );
  });

  test('continuation keys: bad or mismatched keys are WRONG_CONTINUATION_KEY', async () => {
    const session = await connect(sim);
    const uid = accountOf(session, 'Cuenta Corriente').uid;
    const first = await call(sim, 'GET', `/accounts/${uid}/transactions?date_from=${day(sim, -729)}`);
    const key = first.body.continuation_key;
    assert.ok(key);
    assertError(
      await call(
        sim,
        'GET',
        `/accounts/${uid}/transactions?date_from=${day(sim, -729)}&continuation_key=bogus`,
      ),
      422,
      'WRONG_CONTINUATION_KEY',
    );
    assertError(
      await call(
        sim,
        'GET',
        `/accounts/${uid}/transactions?date_from=${day(sim, -700)}&continuation_key=${key}`,
      ),
      422,
      'WRONG_CONTINUATION_KEY',
    );
    const other = accountOf(session, 'Cuenta Ahorro').uid;
    assertError(
      await call(
        sim,
        'GET',
        `/accounts/${other}/transactions?date_from=${day(sim, -729)}&continuation_key=${key}`,
      ),
      422,
      'WRONG_CONTINUATION_KEY',
    );
    const second = await call(
      sim,
      'GET',
      `/accounts/${uid}/transactions?date_from=${day(sim, -729)}&continuation_key=${key}`,
    );
    assert.equal(second.status, 200);
    assert.deepEqual(second.body.transactions, []);
    assert.ok(second.body.continuation_key, 'the empty page still carries a key');
  });

  test('history: 90 days once the first hour is over; dates validated', async () => {
    const session = await connect(sim);
    const uid = accountOf(session, 'Cuenta Corriente').uid;
    sim.clock.advance(HOUR);
    try {
      const tooOld = assertError(
        await call(sim, 'GET', `/accounts/${uid}/transactions?date_from=${day(sim, -729)}`, { headers: PSU }),
        422,
        'WRONG_TRANSACTIONS_PERIOD',
      );
      assert.equal(tooOld.message, 'Wrong transactions period requested');
      assert.deepEqual(tooOld.detail, {
        message: 'You can not request transactions more than 90 days in the past',
        date_from: day(sim, -729),
      });
      // 90 days counted inclusively: today − 89 is the earliest date_from.
      assertError(
        await call(sim, 'GET', `/accounts/${uid}/transactions?date_from=${day(sim, -90)}`, { headers: PSU }),
        422,
        'WRONG_TRANSACTIONS_PERIOD',
      );
      const ok = await allPages(sim, uid, { date_from: day(sim, -89) }, PSU);
      assert.ok(
        ok.flat().length > 0 &&
          ok.flat().every((t) => (t.booking_date ?? t.transaction_date) >= day(sim, -89)),
      );
      // strategy=longest takes date_from as a lower border and clamps instead of refusing.
      const longest = await allPages(sim, uid, { date_from: day(sim, -729), strategy: 'longest' }, PSU);
      assert.deepEqual(
        longest.flat().map((t) => t.entry_reference),
        ok.flat().map((t) => t.entry_reference),
      );
      const get = (q: string) => call(sim, 'GET', `/accounts/${uid}/transactions?${q}`, { headers: PSU });
      assertError(await get(`date_from=${day(sim, 1)}`), 422, 'DATE_FROM_IN_FUTURE');
      assertError(await get(`date_to=${day(sim)}`), 422, 'DATE_TO_WITHOUT_DATE_FROM');
      assertError(await get(`date_from=${day(sim, -5)}&date_to=${day(sim, -6)}`), 422, 'WRONG_DATE_INTERVAL');
      assertError(await get('date_from=15-03-2026'), 422, 'WRONG_REQUEST_PARAMETERS');
      assertError(await get('strategy=fastest'), 422, 'WRONG_REQUEST_PARAMETERS');
      // date_from and date_to are inclusive.
      const salaryDay = ok.flat().find((t) => t.remittance_information[0].startsWith('NOMINA')).booking_date;
      const oneDay = (await get(`date_from=${salaryDay}&date_to=${salaryDay}`)).body.transactions;
      assert.ok(oneDay.length >= 1 && oneDay.every((t: Json) => t.booking_date === salaryDay));
    } finally {
      sim.clock.set(START);
    }
  });

  test('Banco Simulado balances: five types, the card with its credit line', async () => {
    const session = await connect(sim);
    for (const account of session.accounts) {
      const { body } = await call(sim, 'GET', `/accounts/${account.uid}/balances`);
      assert.deepEqual(
        body.balances.map((b: Json) => b.balance_type),
        ['ITBD', 'CLBD', 'ITAV', 'XPCD', 'OPAV'],
      );
      assert.ok(body.balances.every((b: Json) => b.balance_amount.currency === 'EUR'));
    }
    const card = accountOf(session, 'Tarjeta de Crédito Visa');
    const balances = (await call(sim, 'GET', `/accounts/${card.uid}/balances`)).body.balances;
    const amount = (type: string) =>
      Number(balances.find((b: Json) => b.balance_type === type).balance_amount.amount);
    assert.ok(amount('ITBD') < 0);
    assert.equal(Math.round((amount('ITAV') - amount('ITBD')) * 100), 300_000);
    const loan = accountOf(session, 'Préstamo Personal');
    assert.equal((await allPages(sim, loan.uid, { date_from: day(sim, -729) })).flat().length, 12);
  });

  test('Nordea Simulado: no entry_reference, a new transaction_id on every fetch, unsigned amounts', async () => {
    const session = await connect(sim, NORDEA);
    const uid = accountOf(session, 'Käyttötili').uid;
    const first = (await allPages(sim, uid, { date_from: day(sim, -89) })).flat();
    const second = (await allPages(sim, uid, { date_from: day(sim, -89) })).flat();
    assert.equal(first.length, second.length);
    assert.ok(first.length > 40);
    assert.ok(first.every((t) => t.entry_reference === null));
    for (let i = 0; i < first.length; i++) assert.notEqual(first[i].transaction_id, second[i].transaction_id);
    assert.ok(
      first.every((t) => /^\d+\.\d{2}$/.test(t.transaction_amount.amount)),
      'no minus sign',
    );
    assert.ok(first.some((t) => t.credit_debit_indicator === 'DBIT'));
    // Some shops are named only in the creditor's address lines.
    const addressOnly = first.filter(
      (t) => t.creditor?.name === null && t.creditor.postal_address?.address_line,
    );
    assert.ok(addressOnly.length > 5);
    assert.ok(first.some((t) => t.credit_debit_indicator === 'DBIT' && typeof t.creditor.name === 'string'));
    // An id from either fetch still opens its row.
    const detail = await call(sim, 'GET', `/accounts/${uid}/transactions/${first[3].transaction_id}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.transaction_amount.amount, first[3].transaction_amount.amount);
    // The 90-day bank refuses more, even just after consent.
    assertError(
      await call(sim, 'GET', `/accounts/${uid}/transactions?date_from=${day(sim, -90)}`),
      422,
      'WRONG_TRANSACTIONS_PERIOD',
    );
    const balances = (await call(sim, 'GET', `/accounts/${uid}/balances`)).body.balances;
    assert.deepEqual(
      balances.map((b: Json) => b.balance_type),
      ['ITAV', 'CLAV'],
    );
  });

  test('Banque Positionnelle: positional references, null on the booking day', async () => {
    const session = await connect(sim, POSITIONNELLE);
    const rows = (
      await allPages(sim, accountOf(session, 'Compte chèques').uid, { date_from: day(sim, -89) })
    ).flat();
    const booked = rows.filter((t) => t.status === 'BOOK');
    const older = booked.filter((t) => t.booking_date < day(sim));
    assert.ok(older.length > 50);
    for (const t of older) assert.match(t.entry_reference, new RegExp(`^${t.booking_date}\\.\\d+$`));
    assert.ok(
      older.some((t) => t.entry_reference.endsWith('.2')),
      'two rows on one day are .1 and .2',
    );
    const today = booked.filter((t) => t.booking_date === day(sim));
    assert.ok(today.length > 0);
    assert.ok(today.every((t) => t.entry_reference === null));
  });

  test('Banque Positionnelle: pending rows book under a new id without a reference; the undated one vanishes', async () => {
    const session = await connect(sim, POSITIONNELLE);
    const uid = accountOf(session, 'Compte chèques').uid;
    const list = async () => (await allPages(sim, uid, { date_from: day(sim, -10) }, PSU)).flat();
    const byShop = (rows: Json[], shop: string) => rows.filter((t) => t.creditor?.name === shop);
    try {
      const before = await list();
      const fuel = byShop(before, 'TOTALENERGIES');
      assert.equal(fuel.length, 1);
      assert.equal(fuel[0].status, 'PDNG');
      assert.equal(fuel[0].booking_date, null);
      assert.equal(fuel[0].transaction_date, day(sim, -1));
      assert.equal(fuel[0].entry_reference, null);
      const undated = byShop(before, 'PREAUTORISATION HOTEL');
      assert.equal(undated.length, 1);
      assert.deepEqual(
        [undated[0].status, undated[0].booking_date, undated[0].value_date, undated[0].transaction_date],
        ['PDNG', null, null, null],
      );

      sim.clock.advance(DAY);
      const after = await list();
      const booked = byShop(after, 'TOTALENERGIES');
      assert.equal(booked.length, 1);
      assert.equal(booked[0].status, 'BOOK');
      assert.equal(booked[0].booking_date, day(sim));
      assert.equal(booked[0].entry_reference, null);
      assert.notEqual(booked[0].transaction_id, fuel[0].transaction_id);
      assertError(
        await call(sim, 'GET', `/accounts/${uid}/transactions/${fuel[0].transaction_id}`, { headers: PSU }),
        404,
        'TRANSACTION_DOES_NOT_EXIST',
      );
      assert.equal(byShop(after, 'MONOPRIX')[0].status, 'PDNG');
      sim.clock.advance(DAY);
      const later = await list();
      assert.equal(byShop(later, 'TOTALENERGIES')[0].entry_reference, null, 'never gets a reference');
      assert.equal(byShop(later, 'MONOPRIX')[0].status, 'BOOK');
      sim.clock.advance(DAY);
      assert.equal(byShop(await list(), 'PREAUTORISATION HOTEL').length, 0);
    } finally {
      sim.clock.set(START);
    }
  });

  test('Banque Positionnelle: the XXX account has balances in two currencies', async () => {
    const session = await connect(sim, POSITIONNELLE);
    const multi = accountOf(session, 'Compte multidevise');
    assert.equal(multi.currency, 'XXX');
    const balances = (await call(sim, 'GET', `/accounts/${multi.uid}/balances`)).body.balances;
    assert.deepEqual([...new Set(balances.map((b: Json) => b.balance_amount.currency))], ['EUR', 'USD']);
    const rows = (await allPages(sim, multi.uid)).flat();
    assert.deepEqual([...new Set(rows.map((t) => t.transaction_amount.currency))].sort(), ['EUR', 'USD']);
  });
});

describe('PSD2 unattended-access quota', () => {
  test('four unattended requests per account and endpoint in 24 h; the fifth is 429 with Retry-After', async () => {
    const sim = await start();
    const session = await connect(sim);
    const uid = accountOf(session, 'Cuenta Corriente').uid;
    // Within the first hour after authorization nothing counts.
    for (let i = 0; i < 6; i++)
      assert.equal((await call(sim, 'GET', `/accounts/${uid}/balances`)).status, 200);
    sim.clock.advance(HOUR);
    for (let i = 0; i < 4; i++) {
      assert.equal((await call(sim, 'GET', `/accounts/${uid}/balances`)).status, 200);
      sim.clock.advance(10 * 60_000);
    }
    const refused = await call(sim, 'GET', `/accounts/${uid}/balances`);
    const body = assertError(refused, 429, 'ASPSP_RATE_LIMIT_EXCEEDED');
    // The first counted request leaves the window 24 h after it was made: 40 minutes have passed.
    assert.equal(refused.headers.get('retry-after'), String(86_400 - 2_400));
    assert.equal(body.detail.retry_after, 86_400 - 2_400);
    // The quota is per endpoint kind: details still has its four.
    assert.equal((await call(sim, 'GET', `/accounts/${uid}/details`)).status, 200);
    // With the PSU present the bank serves and counts nothing.
    assert.equal((await call(sim, 'GET', `/accounts/${uid}/balances`, { headers: PSU })).status, 200);
    assert.equal(
      (
        await call(sim, 'GET', `/accounts/${uid}/balances`, {
          headers: { 'psu-ip-address': '2001:db8::1', 'PSU-USER-AGENT': 'x', 'Psu-Accept-language': 'es' },
        })
      ).status,
      200,
    );
    // Some PSU headers but not all the required ones: refused before anything else.
    const partial = await call(sim, 'GET', `/accounts/${uid}/balances`, {
      headers: { 'Psu-Ip-Address': '203.0.113.7' },
    });
    assert.equal(
      assertError(partial, 400, 'PSU_HEADER_NOT_PROVIDED').detail,
      'PSU header psuUserAgent is not provided',
    );
    assertError(
      await call(sim, 'GET', `/accounts/${uid}/details`, {
        headers: { 'Psu-Referer': 'https://tesoro.example/' },
      }),
      400,
      'PSU_HEADER_NOT_PROVIDED',
    );
    assertError(
      await call(sim, 'GET', `/accounts/${uid}/details`, {
        headers: { ...PSU, 'Psu-Ip-Address': 'not-an-ip' },
      }),
      400,
      'PSU_HEADER_INVALID',
    );
    // Once the oldest counted request is 24 h old, one more is allowed.
    sim.clock.advance(86_400_000 - 2_400_000 - 1000);
    assertError(await call(sim, 'GET', `/accounts/${uid}/balances`), 429, 'ASPSP_RATE_LIMIT_EXCEEDED');
    sim.clock.advance(1000);
    assert.equal((await call(sim, 'GET', `/accounts/${uid}/balances`)).status, 200);
    assertError(await call(sim, 'GET', `/accounts/${uid}/balances`), 429, 'ASPSP_RATE_LIMIT_EXCEEDED');
    // The log shows what was asked and answered.
    const last = sim.requests.at(-1);
    assert.equal(last?.path, `/accounts/${uid}/balances`);
    assert.equal(last?.status, 429);
    assert.ok(sim.requests.some((r) => r.headers['psu-ip-address'] === '203.0.113.7' && r.status === 200));
  });

  test('the pages of one listing count once within 60 s of its first page', async () => {
    const sim = await start({ pageSize: 20 });
    const session = await connect(sim, POSITIONNELLE);
    const uid = accountOf(session, 'Compte chèques').uid;
    sim.clock.advance(HOUR);
    const pages = await allPages(sim, uid);
    assert.deepEqual(
      pages.map((p) => p.length),
      [20, 0, 20, 20, 6],
    );
    for (let i = 0; i < 2; i++)
      assert.equal((await call(sim, 'GET', `/accounts/${uid}/transactions`)).status, 200);
    const fourth = await call(sim, 'GET', `/accounts/${uid}/transactions`);
    assert.equal(fourth.status, 200);
    // A continuation page asked for more than 60 s after its first page counts as a new access.
    sim.clock.advance(61_000);
    const late = await call(
      sim,
      'GET',
      `/accounts/${uid}/transactions?continuation_key=${encodeURIComponent(fourth.body.continuation_key)}`,
    );
    assertError(late, 429, 'ASPSP_RATE_LIMIT_EXCEEDED');
    assertError(await call(sim, 'GET', `/accounts/${uid}/transactions`), 429, 'ASPSP_RATE_LIMIT_EXCEEDED');
    // The PSU present: the same key still works.
    const withPsu = await call(
      sim,
      'GET',
      `/accounts/${uid}/transactions?continuation_key=${encodeURIComponent(fourth.body.continuation_key)}`,
      { headers: PSU },
    );
    assert.equal(withPsu.status, 200);
    assert.deepEqual(withPsu.body.transactions, []);
  });
});

describe('session lifecycle', () => {
  test('expiry by the clock: EXPIRED status and EXPIRED_SESSION on data', async () => {
    const sim = await start();
    const session = await connect(sim, NORDEA);
    const uid = session.accounts[0].uid;
    sim.clock.advance(90 * DAY - 1);
    assert.equal((await call(sim, 'GET', `/sessions/${session.session_id}`)).body.status, 'AUTHORIZED');
    assert.equal((await call(sim, 'GET', `/accounts/${uid}/details`, { headers: PSU })).status, 200);
    sim.clock.advance(1);
    assert.equal((await call(sim, 'GET', `/sessions/${session.session_id}`)).body.status, 'EXPIRED');
    for (const path of ['details', 'balances', 'transactions'])
      assertError(await call(sim, 'GET', `/accounts/${uid}/${path}`), 401, 'EXPIRED_SESSION');
  });

  test('revoke at the bank: REVOKED and REVOKED_SESSION', async () => {
    const sim = await start();
    const session = await connect(sim);
    sim.revoke(session.session_id);
    assert.equal((await call(sim, 'GET', `/sessions/${session.session_id}`)).body.status, 'REVOKED');
    assertError(
      await call(sim, 'GET', `/accounts/${session.accounts[0].uid}/balances`),
      401,
      'REVOKED_SESSION',
    );
    assert.throws(() => sim.revoke('no-such-session'));
  });

  test('DELETE /sessions: CLOSED and CLOSED_SESSION; unknown ids are 404', async () => {
    const sim = await start();
    const session = await connect(sim);
    const closed = await call(sim, 'DELETE', `/sessions/${session.session_id}`, { headers: PSU });
    assert.equal(closed.status, 200);
    assert.deepEqual(closed.body, { message: 'OK' });
    const view = (await call(sim, 'GET', `/sessions/${session.session_id}`)).body;
    assert.equal(view.status, 'CLOSED');
    assert.equal(Date.parse(view.closed), START.getTime());
    assertError(
      await call(sim, 'GET', `/accounts/${session.accounts[0].uid}/details`),
      401,
      'CLOSED_SESSION',
    );
    assertError(
      await call(sim, 'GET', '/accounts/00000000-0000-4000-8000-000000000000/details'),
      404,
      'ACCOUNT_DOES_NOT_EXIST',
    );
    assertError(
      await call(sim, 'GET', '/sessions/00000000-0000-4000-8000-000000000000'),
      404,
      'SESSION_DOES_NOT_EXIST',
    );
    assertError(
      await call(sim, 'DELETE', '/sessions/00000000-0000-4000-8000-000000000000'),
      404,
      'SESSION_DOES_NOT_EXIST',
    );
  });
});

describe('failNext: upstream faults', () => {
  test('ASPSP_TIMEOUT, ASPSP_ERROR and a proxy HTML page, for the matching paths only', async () => {
    const sim = await start();
    const session = await connect(sim);
    const uid = session.accounts[0].uid;
    sim.failNext('/accounts', 'ASPSP_TIMEOUT');
    assert.equal((await call(sim, 'GET', '/aspsps')).status, 200, 'another path is not affected');
    assertError(await call(sim, 'GET', `/accounts/${uid}/balances`), 504, 'ASPSP_TIMEOUT');
    assert.equal((await call(sim, 'GET', `/accounts/${uid}/balances`)).status, 200);

    sim.failNext(`/accounts/${uid}/transactions`, 'ASPSP_ERROR', 2);
    assertError(await call(sim, 'GET', `/accounts/${uid}/transactions`), 502, 'ASPSP_ERROR');
    assertError(await call(sim, 'GET', `/accounts/${uid}/transactions`), 502, 'ASPSP_ERROR');
    assert.equal((await call(sim, 'GET', `/accounts/${uid}/transactions`)).status, 200);

    sim.failNext('/sessions', 'NON_JSON_502');
    const html = await call(sim, 'GET', `/sessions/${session.session_id}`);
    assert.equal(html.status, 502);
    assert.match(String(html.headers.get('content-type')), /^text\/html/);
    assert.equal(html.body, null, 'not JSON');
    assert.match(html.text, /502 Bad Gateway/);
    // A refused JWT is answered before any bank is asked, and does not use up a fault.
    sim.failNext('/application', 'ASPSP_ERROR');
    assertError(await call(sim, 'GET', '/application', { token: 'x' }), 401, 'UNAUTHORIZED_ACCESS');
    assertError(await call(sim, 'GET', '/application'), 502, 'ASPSP_ERROR');
    assert.deepEqual(
      sim.requests.slice(-3).map((r) => [r.method, r.path, r.status]),
      [
        ['GET', `/sessions/${session.session_id}`, 502],
        ['GET', '/application', 401],
        ['GET', '/application', 502],
      ],
    );
    assert.ok(
      sim.requests.every((r) => !r.path.startsWith('/consent')),
      'the consent page is not logged',
    );
  });
});
