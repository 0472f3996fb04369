// A property over every operation of /openapi.json, the oracles of the security audit's fuzzer
// (the facades' documents: test/fuzz-compat.test.ts; the shared machinery:
// test/helpers/fuzz-core.ts). Whatever a caller sends — the valid request an operation's schemas
// describe, or one mutated: wrong types, values at and past their bounds, junk in one field
// (NUL, control characters, lone surrogates, huge and unicode strings, 1e309, year 0000), dropped
// and extra fields, prototype keys, JSON 10,000 levels deep, duplicate keys in the raw text,
// bodies that are not JSON or empty, other content types, malformed and junk-payload JWEs, odd
// Idempotency-Keys, Authorization and other headers (tabs, obs-text, length), bad and tampered
// cursors, another client's ids and ids that are junk (wrong prefix or alphabet) —
// - no answer is a 5xx;
// - every 4xx is problem+json with type, title, status (the HTTP status), detail, code,
//   request_id and retryable;
// - every answer is documented: its status is one the operation lists, and its JSON body
//   validates (Ajv, JSON Schema 2020-12) against the schema the document gives for that status.
//   The one exception is the statuses any route may answer before or outside its handler (the
//   framework's and the edge's refusals: 400 a request not parsed or not valid, 401/403 no or
//   a wrong token or scope, 404 an unknown route or id, 405, 406, 413 a body too large, 414,
//   415 a content type no parser takes, 429 the rate limit, 431): undocumented, they are still
//   checked to be problem+json;
// - a refused write (any non-GET answered ≥ 400) changes nothing the caller owns (a fingerprint
//   of its rows, test/helpers/fingerprint.ts, before and after), and nothing at all of another
//   client (checked at the end).
// The runs are seeded: TESORO_FUZZ_SEED (each test adds its index), TESORO_FUZZ_RUNS (the
// native total, default 12,000, spread over four tests; the facades add 2,000 each). A failure
// prints the seed, the fast-check path and the request that broke a property.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, good, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { clientFingerprint } from './helpers/fingerprint.ts';
import {
  DocumentTools,
  fuzz,
  type Json,
  junkPayloadJwes,
  type Operation,
  operationsOf,
  quiescent,
  summary,
  type Target,
} from './helpers/fuzz-core.ts';

const SEED = Number(process.env.TESORO_FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.TESORO_FUZZ_RUNS ?? 12_000);
const PARTS = 4;

/** The statuses any route may answer without documenting them (see the header). */
const GENERIC_STATUSES = new Set([400, 401, 403, 404, 405, 406, 413, 414, 415, 429, 431]);

let ctx: TestContext;
let tools: DocumentTools;
let victim: { id: string; token: string; ids: string[] };
let fuzzer: { id: string; token: string; ids: Record<string, string[]> };
let target: Target;

before(async () => {
  ctx = await buildTestContext({ webhooks: false });
  tools = new DocumentTools((await ctx.app.inject({ url: '/openapi.json' })).json());
  const jwks = (await ctx.app.inject({ url: '/.well-known/jwks.json' })).json();

  const a = await ctx.createClient();
  const aToken = await ctx.tokenFor(a);
  const aConnection = await connect(ctx, aToken, { ...good(), access_mode: 'recurrent' });
  const aAccounts = (await ctx.call(aToken, { url: `/v1/accounts?connection_id=${aConnection.id}` })).json()
    .data as Json[];
  const aTransactions = (
    await ctx.call(aToken, { url: `/v1/transactions?connection_id=${aConnection.id}&page_size=1` })
  ).json().data as Json[];
  victim = {
    id: a.id,
    token: aToken,
    ids: [aConnection.id, ...aAccounts.map((x) => x.id), ...aTransactions.map((x) => x.id)],
  };

  const b = await ctx.createClient();
  const token = await ctx.tokenFor(b);
  const connection = await connect(ctx, token, { ...good(), access_mode: 'recurrent' });
  const page = (url: string) => ctx.call(token, { url }).then((r) => r.json());
  const accounts = (await page(`/v1/accounts?connection_id=${connection.id}`)).data as Json[];
  const transactions = await page(`/v1/transactions?connection_id=${connection.id}&page_size=2`);
  const endpoint = (
    await ctx.call(token, {
      method: 'POST',
      url: '/v1/webhook-endpoints',
      payload: { url: 'https://example.com/hooks', description: 'fuzz' },
    })
  ).json();
  await ctx.call(token, {
    method: 'PATCH',
    url: `/v1/webhook-endpoints/${endpoint.id}`,
    payload: { enabled: false },
  });
  await ctx.call(token, {
    method: 'PUT',
    url: '/v1/client/redirect-uris',
    payload: { redirect_uris: ['https://app.example/cb'] },
  });
  const session = (
    await ctx.call(token, {
      method: 'POST',
      url: '/v1/connect/sessions',
      payload: { redirect_uri: 'https://app.example/cb' },
    })
  ).json();
  const events = await page('/v1/events?page_size=2');
  const refreshes = await page(`/v1/connections/${connection.id}/refreshes?page_size=1`);
  const cards = (await page(`/v1/cards?connection_id=${connection.id}`)).data as Json[];
  fuzzer = {
    id: b.id,
    token,
    ids: {
      con: [connection.id],
      acc: accounts.map((x) => x.id),
      txn: transactions.data.map((x: Json) => x.id),
      crd: cards.map((x) => x.id),
      whe: [endpoint.id],
      cs: [session.id],
      evt: events.data.map((x: Json) => x.id),
      ins: ['ins_sandbox_bank'],
    },
  };
  const cursors = [transactions.next_cursor, events.next_cursor, refreshes.next_cursor].filter(
    (c): c is string => typeof c === 'string',
  );
  assert.ok(cursors.length > 0, 'real cursors to tamper with');

  const prefixOf = (operation: Operation, name: string): string => {
    if (name === 'session_id') return 'cs';
    const segment = operation.path.split('/')[2] ?? '';
    const byPath: Record<string, string> = {
      connections: 'con',
      accounts: 'acc',
      transactions: 'txn',
      cards: 'crd',
      'webhook-endpoints': 'whe',
      events: 'evt',
      institutions: 'ins',
      sandbox: 'con',
    };
    return byPath[segment] ?? 'con';
  };
  target = {
    tools,
    auth: () => ({ authorization: `Bearer ${fuzzer.token}` }),
    ids: (operation, name) => ({
      own: fuzzer.ids[prefixOf(operation, name)] ?? [],
      other: victim.ids,
    }),
    query: (_operation, name) => {
      if (name === 'connection_id') return fuzzer.ids.con![0];
      if (name === 'account_id') return fuzzer.ids.acc![0];
      if (name === 'endpoint_id') return fuzzer.ids.whe![0];
      return undefined;
    },
    cursors,
    kid: jwks.keys.find((k: Json) => k.use === 'enc').kid,
    jwes: await junkPayloadJwes(jwks),
    authHeaders: ['authorization'],
  };
});
after(() => ctx.close());

/** problem+json with every field of the envelope; null when it is. */
function problemEnvelope(response: { statusCode: number; headers: Json; body: string }): string | null {
  if (!/^application\/problem\+json/.test(String(response.headers['content-type'])))
    return `content-type ${response.headers['content-type']}`;
  let problem: Json;
  try {
    problem = JSON.parse(response.body);
  } catch {
    return 'not JSON';
  }
  for (const field of ['type', 'title', 'detail', 'code', 'request_id'])
    if (typeof problem[field] !== 'string') return `${field} is not a string`;
  if (problem.status !== response.statusCode) return 'status is not the HTTP status';
  if (typeof problem.retryable !== 'boolean') return 'retryable is not a boolean';
  return null;
}

const totals = new Map<number, number>();
let victimBefore: Record<string, string>;

for (let part = 0; part < PARTS; part++) {
  const runs = Math.ceil(RUNS / PARTS);
  const seed = SEED + part;
  test(`fuzzing /openapi.json, part ${part + 1}/${PARTS} (${runs} requests, seed ${seed}): no 5xx, problem+json, as documented, refused writes change nothing`, async () => {
    const operations = operationsOf(tools.doc);
    assert.ok(operations.length >= 60, `only ${operations.length} operations in /openapi.json`);
    victimBefore ??= await clientFingerprint(ctx.database.db, victim.id);
    const started = performance.now();
    const stats = await fuzz({
      app: ctx.app,
      target,
      operations,
      oracles: { envelope: problemEnvelope, generic: GENERIC_STATUSES, schemas: true },
      seed,
      runs,
      fingerprint: () => clientFingerprint(ctx.database.db, fuzzer.id),
      quiescent: () => quiescent(ctx.database.db, fuzzer.id),
    });
    process.stdout.write(
      summary(`native part ${part + 1} (seed ${seed})`, stats, performance.now() - started),
    );
    for (const [status, n] of stats.statuses) totals.set(status, (totals.get(status) ?? 0) + n);
  });
}

test('after the fuzzing: the other client is untouched, and both refusals and successes were seen', async () => {
  for (const id of fuzzer.ids.con!) await waitForConnection(ctx, fuzzer.token, id).catch(() => undefined);
  await quiescent(ctx.database.db, fuzzer.id);
  assert.deepEqual(await clientFingerprint(ctx.database.db, victim.id), victimBefore, "the victim's state");
  assert.ok(
    (totals.get(400) ?? 0) > 0 && [...totals.keys()].some((s) => s < 300),
    'both refusals and successes',
  );
});
