// The contract every connector must pass, whatever institution it reaches. A connector folder
// adds one test file calling runConnectorContract with credentials that log in to each of its
// institutions. A redirect-consent login (PSD2) is answered the way Tesoro's callback answers it:
// with the query parameters of the URL the institution sends the end user back to; such a case
// may have no password at all, and no wrong credentials to try.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ChallengeRequest,
  type Connector,
  ConnectorError,
  type SessionState,
} from '../../src/connectors/connector.ts';
import { products } from '../../src/domain/products.ts';
import type { NormalizedRecord } from '../../src/domain/records.ts';
import { parentProduct } from '../../src/domain/records.ts';

export interface ContractCase {
  institutionId: string;
  /** Credentials that log in (answering any challenge with `answers`); none for a redirect-only login. */
  credentials: Record<string, string>;
  /** The answers to its challenges; `redirectAnswers` answers a redirect consent as the callback would. */
  answers?:
    | Record<string, string>
    | ((challenge: ChallengeRequest) => Record<string, string> | Promise<Record<string, string>>);
  /** Credentials the institution must refuse with credentials_invalid (none for a redirect-only login). */
  wrongCredentials?: Record<string, string>;
}

/** Where the contract's logins say a redirect consent must come back to. */
const REDIRECT = { callbackUrl: 'https://tesoro.example/connect/callback/contract', state: 'contract-state' };

/**
 * A redirect consent answered like Tesoro's callback does: the institution's own consent page
 * would send the end user back to `callbackUrl` with parameters; here the challenge's URL is
 * expected to be (or to end at) the callback, and its query is the answer.
 */
export function redirectAnswers(challenge: ChallengeRequest): Record<string, string> {
  assert.equal(challenge.type, 'redirect');
  assert.ok(challenge.redirectUrl, 'a redirect challenge names where to send the end user');
  const url = new URL(challenge.redirectUrl);
  assert.equal(
    `${url.origin}${url.pathname}`,
    REDIRECT.callbackUrl,
    'the consent comes back to the callback',
  );
  assert.equal(url.searchParams.get('state'), REDIRECT.state, 'with the state it was given');
  const { state: _state, ...answers } = Object.fromEntries(url.searchParams);
  return answers;
}

/** The contract's clock: a simulator of an upstream runs on it too (its tokens and dates agree). */
export const CONTRACT_NOW = new Date('2026-06-15T12:00:00Z');
const NOW = CONTRACT_NOW;
const SINCE = new Date('2000-01-01T00:00:00Z');

async function login(connector: Connector, c: ContractCase): Promise<SessionState> {
  let answers: Record<string, string> | undefined;
  let session: SessionState = {};
  for (let step = 0; step < 5; step++) {
    const result = await connector.login({
      institutionId: c.institutionId,
      credentials: c.credentials,
      session,
      answers,
      refreshNumber: 0,
      now: new Date(NOW.getTime() + step * 10_000),
      redirect: REDIRECT,
    });
    session = result.session;
    if (result.status === 'ok') return session;
    assert.ok(
      result.challenge.prompt.en && result.challenge.prompt.es,
      'a challenge prompt in English and Spanish',
    );
    assert.ok(result.challenge.expiresInSeconds > 0);
    answers = typeof c.answers === 'function' ? await c.answers(result.challenge) : c.answers;
  }
  throw new Error('login did not finish in 5 steps');
}

async function collect(
  connector: Connector,
  institutionId: string,
  session: SessionState,
  product: (typeof products)[number],
) {
  const records: NormalizedRecord[] = [];
  for await (const batch of connector.extract({
    institutionId,
    session,
    product,
    since: SINCE,
    refreshNumber: 0,
    now: NOW,
  })) {
    assert.ok(batch.length > 0, 'no empty batches');
    records.push(...batch);
  }
  return records;
}

export function runConnectorContract(connector: Connector, cases: ContractCase[]): void {
  describe(`connector contract: ${connector.id}`, () => {
    test('declares institutions with coherent login forms', () => {
      assert.ok(connector.institutions.length > 0);
      for (const institution of connector.institutions) {
        assert.match(institution.id, /^ins_[a-z0-9_]+$/);
        assert.match(institution.country, /^[A-Z]{2}$/);
        assert.ok(institution.products.length > 0);
        assert.ok(institution.products.every((p) => products.includes(p)));
        const names = institution.fields.map((f) => f.name);
        assert.equal(new Set(names).size, names.length, 'field names are unique');
        for (const field of institution.fields) {
          if (field.validation) new RegExp(field.validation, 'u');
          if (field.type === 'select')
            assert.ok(field.options && field.options.length > 0, `${field.name} has options`);
          assert.ok(field.label.en && field.label.es);
        }
      }
    });

    for (const c of cases) {
      describe(c.institutionId, () => {
        // A redirect-only login has no password to get wrong: the test is not there, not skipped.
        const wrong = c.wrongCredentials;
        if (wrong)
          test('wrong credentials raise credentials_invalid', async () => {
            await assert.rejects(
              connector.login({
                institutionId: c.institutionId,
                credentials: wrong,
                session: {},
                refreshNumber: 0,
                now: NOW,
              }),
              (error: unknown) => error instanceof ConnectorError && error.code === 'credentials_invalid',
            );
          });

        test('every declared product extracts deterministic, well-formed records; others are unavailable', async () => {
          const institution = connector.institutions.find((i) => i.id === c.institutionId)!;
          const session = await login(connector, c);
          const byProduct = new Map<string, NormalizedRecord[]>();
          for (const product of institution.products) {
            const records = await collect(connector, c.institutionId, session, product);
            byProduct.set(product, records);
            const keys = records.map((r) => r.naturalKey);
            assert.equal(new Set(keys).size, keys.length, `${product}: natural keys are unique`);
            for (const record of records) {
              assert.equal(record.product, product);
              assert.ok(record.raw !== undefined, 'the raw source record is kept');
              for (const field of ['amount', 'balance', 'net_cash'] as const) {
                const value = record.data[field];
                if (value !== null && value !== undefined && typeof value !== 'number') {
                  assert.match(String(value), /^-?\d+\.\d{2}$/, `${product}.${field} is a decimal string`);
                }
              }
              for (const field of ['operation_date', 'value_date'] as const) {
                const value = record.data[field];
                if (value !== null && value !== undefined)
                  assert.match(String(value), /^\d{4}-\d{2}-\d{2}$/, `${product}.${field}`);
              }
            }
            // Same session, same data: a refresh must find the same natural keys and content.
            const again = await collect(connector, c.institutionId, session, product);
            assert.deepEqual(again, records, `${product} is deterministic`);
          }
          for (const [product, records] of byProduct) {
            const parent = parentProduct[product as keyof typeof parentProduct];
            if (!parent || !byProduct.has(parent)) continue;
            const parents = new Set(byProduct.get(parent)!.map((r) => r.naturalKey));
            for (const record of records)
              assert.ok(
                parents.has(record.parentKey!),
                `${product} ${record.naturalKey} has a known ${parent}`,
              );
          }
          const missing = products.find((p) => !institution.products.includes(p));
          if (missing) {
            await assert.rejects(
              collect(connector, c.institutionId, session, missing),
              (error: unknown) => error instanceof ConnectorError && error.code === 'product_unavailable',
            );
          }
        });
      });
    }
  });
}
