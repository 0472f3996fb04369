// The sandbox connector passes the connector contract, and its data is what the README promises.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectorError } from '../src/connectors/connector.ts';
import { sandboxConnector } from '../src/connectors/sandbox/index.ts';
import { isValidIban, isValidIsin } from '../src/domain/identifiers.ts';
import type { NormalizedRecord } from '../src/domain/records.ts';
import { redirectAnswers, runConnectorContract } from './contract/connector-contract.ts';

const password = 'pass_good';
runConnectorContract(sandboxConnector, [
  {
    institutionId: 'ins_sandbox_bank',
    credentials: { username: 'user_good', password },
    wrongCredentials: { username: 'user_good', password: 'nope' },
  },
  {
    institutionId: 'ins_sandbox_bank',
    credentials: { username: 'user_otp', password },
    answers: { code: '123456' },
    wrongCredentials: { username: 'user_otp', password: 'x' },
  },
  {
    // A redirect consent: no code to type, the bank sends the end user back to the callback.
    institutionId: 'ins_sandbox_bank',
    credentials: { username: 'user_redirect', password },
    answers: redirectAnswers,
    wrongCredentials: { username: 'user_redirect', password: 'x' },
  },
  {
    institutionId: 'ins_sandbox_broker',
    credentials: { document_type: 'nif', username: 'user_good', password },
    wrongCredentials: { document_type: 'nif', username: 'user_good', password: 'x' },
  },
  {
    institutionId: 'ins_sandbox_otp_bank',
    credentials: { username: 'user_good', password },
    answers: { code: '123456' },
    wrongCredentials: { username: 'user_good', password: 'x' },
  },
  {
    institutionId: 'ins_sandbox_flaky_bank',
    credentials: { username: 'user_steady', password },
    wrongCredentials: { username: 'user_steady', password: 'x' },
  },
]);

const NOW = new Date('2026-06-15T12:00:00Z');
async function extract(
  institutionId: string,
  username: string,
  product: Parameters<typeof sandboxConnector.extract>[0]['product'],
) {
  const login = await sandboxConnector.login({
    institutionId,
    credentials: { username, password, document_type: 'nif' },
    session: {},
    refreshNumber: 0,
    now: NOW,
  });
  assert.equal(login.status, 'ok');
  const records: NormalizedRecord[] = [];
  for await (const batch of sandboxConnector.extract({
    institutionId,
    session: login.session,
    product,
    since: new Date(0),
    refreshNumber: 0,
    now: NOW,
  }))
    records.push(...batch);
  return records;
}

test('user_good_<N> gives exactly N transactions', async () => {
  for (const n of [10, 1234, 10_000])
    assert.equal((await extract('ins_sandbox_bank', `user_good_${n}`, 'transactions')).length, n);
});

test('salaries land on the 28th and rent on the 1st, over about two years', async () => {
  const records = await extract('ins_sandbox_bank', 'user_good', 'transactions');
  const salaries = records.filter((r) => r.data.bank_category === 'Nómina');
  const rents = records.filter((r) => r.data.bank_category === 'Alquiler');
  assert.ok(salaries.length >= 23 && salaries.length <= 25, `${salaries.length} salaries`);
  assert.ok(
    salaries.every((r) => String(r.data.operation_date).endsWith('-28') && Number(r.data.amount) > 0),
  );
  assert.ok(rents.every((r) => String(r.data.operation_date).endsWith('-01') && Number(r.data.amount) < 0));
  assert.ok(
    records.every((r) => /^\d{2}$/.test(String(r.data.norma43))),
    'every movement has a Norma 43 concept code',
  );
  const merchants = new Set(records.map((r) => r.data.counterparty).filter(Boolean));
  assert.ok(merchants.size > 10, 'many real merchants');
});

test('accounts have valid IBANs, one is joint; cards are masked to BIN and last 4', async () => {
  const accounts = await extract('ins_sandbox_bank', 'user_good', 'accounts');
  assert.ok(accounts.every((a) => isValidIban(String(a.data.iban))));
  assert.ok(accounts.some((a) => a.data.num_owners === 2));
  const cards = await extract('ins_sandbox_bank', 'user_good', 'cards');
  assert.deepEqual(cards.map((c) => c.data.card_type).sort(), ['credit', 'debit']);
  for (const card of cards) assert.match(String(card.data.pan), /^\d{6}\*{6}\d{4}$/);
  const holders = await extract('ins_sandbox_bank', 'user_good', 'holders');
  assert.ok(holders.some((h) => h.data.rel === 'cotitular'));
  const loans = await extract('ins_sandbox_bank', 'user_good', 'liabilities');
  assert.deepEqual(loans.map((l) => l.data.subtype).sort(), ['mortgage', 'personal_loan']);
});

test('the broker holds every Flanks investment type with valid ISINs, fees and FX', async () => {
  const investments = await extract('ins_sandbox_broker', 'user_good', 'investments');
  assert.deepEqual([...new Set(investments.map((i) => i.data.type))].sort(), ['ETF', 'F', 'FI', 'PP', 'VI']);
  for (const i of investments.filter((i) => i.data.type !== 'PP'))
    assert.ok(isValidIsin(String(i.data.isin)), String(i.data.isin));
  const trades = await extract('ins_sandbox_broker', 'user_good', 'investment_transactions');
  assert.ok(
    trades.some((t) => Number((t.data.commission_detail as { fx: string }).fx) > 0),
    'some trades pay an FX fee',
  );
  assert.ok(trades.some((t) => Number(t.data.commission) > 0));
  assert.ok((await extract('ins_sandbox_broker', 'user_good', 'mifid')).length >= 5);
});

test('magic usernames fail with their error', async () => {
  for (const [username, code] of [
    ['user_locked', 'locked'],
    ['user_expired', 'password_expired'],
    ['user_action', 'action_needed'],
    ['user_down', 'institution_down'],
    ['user_ratelimited', 'rate_limited'],
  ]) {
    await assert.rejects(
      sandboxConnector.login({
        institutionId: 'ins_sandbox_bank',
        credentials: { username: username!, password },
        session: {},
        refreshNumber: 0,
        now: NOW,
      }),
      (error: unknown) => error instanceof ConnectorError && error.code === code,
    );
  }
});

test('the flaky bank is down about one login in three', async () => {
  let down = 0;
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      await sandboxConnector.login({
        institutionId: 'ins_sandbox_flaky_bank',
        credentials: { username: `user_${attempt}`, password },
        session: {},
        refreshNumber: 0,
        now: NOW,
      });
    } catch (error) {
      assert.equal((error as ConnectorError).code, 'institution_down');
      down++;
    }
  }
  assert.ok(down > 70 && down < 130, `${down} of 300 down`);
});
