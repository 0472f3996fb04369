// The property of test/fuzz.test.ts over each compatibility facade's own document
// (/compat/<vendor>/openapi.json), with the facade's own authentication (Flanks: a bearer token
// from /v0/token; Flinks: the secret key in flinks-auth-key or x-api-key, the client id as
// customerId; Datanomik: HTTP Basic client_id:client_secret; Powens: a user token from
// /2.0/auth/init) and real ids (a native connection of the client, as each vendor names it:
// Flanks' credentials_token is the connection id, Flinks' LoginId and Datanomik's link id its
// GUID; Powens' integer user id). Whatever is sent:
// - no answer is a 5xx;
// - every error (≥ 400) is in the vendor's own envelope (src/compat/<vendor>/errors.ts):
//   Flanks `{ error }`, Flinks `{ HttpStatusCode, FlinksCode, Message }`, Datanomik
//   `{ code, type, message, trace_id }`, Powens `{ code, description, message }`;
// - every answer is documented (its status, and its JSON body against the schema for it), with
//   the generic statuses of test/fuzz.test.ts allowed undocumented (in the envelope still);
// - a refused write changes nothing the client owns;
// - at least half the operations answer a success at least once (the cases reach the routes' work).
// Seeded: TESORO_FUZZ_SEED (each facade adds its index), TESORO_FUZZ_COMPAT_RUNS per facade
// (default 2,000).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { guidOf } from '../src/compat/shared/guid.ts';
import { connect, good } from './helpers/connections.ts';
import { buildTestContext, type TestClient, type TestContext } from './helpers/context.ts';
import { clientFingerprint } from './helpers/fingerprint.ts';
import {
  DocumentTools,
  fuzz,
  type Json,
  junkPayloadJwes,
  type Oracles,
  operationsOf,
  quiescent,
  summary,
  type Target,
  unreached,
} from './helpers/fuzz-core.ts';

const SEED = Number(process.env.TESORO_FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.TESORO_FUZZ_COMPAT_RUNS ?? 2_000);
/** Single-use Flinks authorize tokens, and Powens user tokens to revoke, made before the run. */
const AUTHORIZE_TOKENS = 300;
const SPARE_USER_TOKENS = 150;
const GENERIC_STATUSES = new Set([400, 401, 403, 404, 405, 406, 413, 414, 415, 429, 431]);

let ctx: TestContext;
let client: TestClient;
let other: { connection: string; account: string };
let mine: { connection: string; accounts: string[]; transactions: string[] };
/**
 * A second connection of the client for the operations that delete or disable one: aimed at the
 * first, the first such success would leave every later case of the run a 400 or 404.
 */
let spare: string;
/** Whether an operation deletes or disables what it names. */
const destructive = (operation: { method: string; path: string }) =>
  operation.method === 'DELETE' || /\/disable$|delete-link$/.test(operation.path);
let jwks: Json;
let jwes: string[];

before(async () => {
  ctx = await buildTestContext({ webhooks: false, publicUrl: 'http://localhost:8080' });
  jwks = (await ctx.app.inject({ url: '/.well-known/jwks.json' })).json();
  jwes = await junkPayloadJwes(jwks);
  const setUp = async (as: TestClient) => {
    const token = await ctx.tokenFor(as);
    const connection = await connect(ctx, token, { ...good(), access_mode: 'recurrent' });
    const list = (url: string) => ctx.call(token, { url }).then((r) => r.json().data as Json[]);
    const accounts = await list(`/v1/accounts?connection_id=${connection.id}`);
    const transactions = await list(`/v1/transactions?connection_id=${connection.id}&page_size=2`);
    return {
      connection: connection.id as string,
      accounts: accounts.map((x) => x.id as string),
      transactions: transactions.map((x) => x.id as string),
    };
  };
  const victim = await ctx.createClient();
  const theirs = await setUp(victim);
  other = { connection: theirs.connection, account: theirs.accounts[0]! };
  client = await ctx.createClient();
  mine = await setUp(client);
  spare = (await connect(ctx, await ctx.tokenFor(client), { ...good(), access_mode: 'recurrent' })).id;
});
after(() => ctx.close());

const bodyOf = (response: { body: string }): Json => {
  try {
    return JSON.parse(response.body);
  } catch {
    return undefined;
  }
};

/** An envelope check from a predicate on the parsed body. */
const envelope =
  (what: string, ok: (body: Json, status: number) => boolean): Oracles['envelope'] =>
  (response) => {
    if (!/json/.test(String(response.headers['content-type'])))
      return `content-type ${response.headers['content-type']}`;
    const body = bodyOf(response);
    return body && typeof body === 'object' && ok(body, response.statusCode) ? null : `not ${what}`;
  };

interface Facade {
  vendor: string;
  envelope: Oracles['envelope'];
  target(tools: DocumentTools): Promise<Omit<Target, 'tools' | 'kid' | 'jwes' | 'cursors'>>;
}

const randomGuid = randomUUID();

const facades: Facade[] = [
  {
    vendor: 'flanks',
    envelope: envelope('{ error }', (b) => typeof b.error === 'string'),
    async target() {
      const response = await ctx.app.inject({
        method: 'POST',
        url: '/compat/flanks/v0/token',
        payload: { client_id: client.id, client_secret: client.secret, grant_type: 'client_credentials' },
      });
      assert.equal(response.statusCode, 200, response.body);
      const token = response.json().access_token as string;
      return {
        auth: () => ({ authorization: `Bearer ${token}` }),
        ids: () => ({ own: [], other: [] }),
        field: (name, operation) =>
          name === 'credentials_token' ? (destructive(operation) ? spare : mine.connection) : undefined,
        authHeaders: ['authorization'],
      };
    },
  },
  {
    vendor: 'flinks',
    envelope: envelope(
      '{ HttpStatusCode, FlinksCode, Message }',
      (b, status) =>
        b.HttpStatusCode === status && typeof b.FlinksCode === 'string' && typeof b.Message === 'string',
    ),
    async target() {
      const login = guidOf(mine.connection);
      // /Authorize takes a single-use authorize token: one of a stock made beforehand per call,
      // so the fuzz gets past the token check into the body's cases.
      const authorizeTokens: string[] = [];
      for (let i = 0; i < AUTHORIZE_TOKENS; i++) {
        const response = await ctx.app.inject({
          method: 'POST',
          url: `/compat/flinks/v3/${client.id}/BankingServices/GenerateAuthorizeToken`,
          headers: { 'flinks-auth-key': client.secret },
        });
        assert.equal(response.statusCode, 200, response.body);
        authorizeTokens.push(response.json().Token);
      }
      // A session on the stored data, for the data calls and their async twins (`RequestId`).
      const session = await ctx.app.inject({
        method: 'POST',
        url: `/compat/flinks/v3/${client.id}/BankingServices/Authorize`,
        headers: { 'flinks-auth-key': authorizeTokens.pop()! },
        payload: { LoginId: login, MostRecentCached: true },
      });
      assert.equal(session.statusCode, 200, session.body);
      const requestId = session.json().RequestId as string;
      const fields: Record<string, unknown> = { RequestId: requestId, IsActivated: true };
      return {
        auth: (operation): Record<string, string> =>
          operation.security.includes('apiKey')
            ? { 'x-api-key': client.secret }
            : operation.security.includes('authorizeToken')
              ? { 'flinks-auth-key': authorizeTokens.pop() ?? client.secret }
              : operation.security.length > 0
                ? { 'flinks-auth-key': client.secret }
                : {},
        ids: (operation, name) =>
          name === 'customerId'
            ? { own: [client.id], other: [] }
            : name === 'loginId'
              ? { own: [destructive(operation) ? guidOf(spare) : login], other: [guidOf(other.connection)] }
              : name === 'requestId'
                ? { own: [requestId], other: [] }
                : { own: [randomGuid], other: [] },
        field: (name, operation) =>
          name === 'LoginId' ? (destructive(operation) ? guidOf(spare) : login) : fields[name],
        authHeaders: ['x-api-key', 'flinks-auth-key'],
      };
    },
  },
  {
    vendor: 'datanomik',
    envelope: envelope(
      '{ code, type, message, trace_id }',
      (b) =>
        typeof b.code === 'number' &&
        typeof b.type === 'string' &&
        typeof b.message === 'string' &&
        typeof b.trace_id === 'string',
    ),
    async target() {
      const basic = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
      const link = guidOf(mine.connection);
      return {
        auth: () => ({ authorization: basic }),
        ids: (operation) =>
          /\/(accounts)\//.test(operation.path)
            ? { own: mine.accounts.map(guidOf), other: [guidOf(other.account)] }
            : /\/transactions\//.test(operation.path)
              ? { own: mine.transactions.map(guidOf), other: [] }
              : { own: [destructive(operation) ? guidOf(spare) : link], other: [guidOf(other.connection)] },
        query: (_operation, name) => (name === 'link_id' || name === 'link' ? link : undefined),
        field: (name) => (name === 'link_id' ? link : undefined),
        authHeaders: ['authorization'],
      };
    },
  },
  {
    vendor: 'powens',
    envelope: envelope(
      '{ code, description, message }',
      (b) =>
        typeof b.code === 'string' &&
        typeof b.description === 'string' &&
        (b.message === null || typeof b.message === 'string'),
    ),
    async target() {
      const init = await ctx.app.inject({
        method: 'POST',
        url: '/compat/powens/2.0/auth/init',
        payload: { client_id: client.id, client_secret: client.secret },
      });
      assert.equal(init.statusCode, 200, init.body);
      const { auth_token: token, id_user: user } = init.json();
      const headers = { authorization: `Bearer ${token}` };
      const read = async (url: string, key: string) =>
        ((await ctx.app.inject({ url: `/compat/powens/2.0${url}`, headers })).json()[key] ?? []).map(
          (x: Json) => String(x.id),
        ) as string[];
      const connectors = (await read('/connectors', 'connectors')).slice(0, 3);
      // The user's own connections (the sandbox bank, connector 59): one for every operation, a
      // spare for the ones that delete.
      const connectionOf = async () => {
        const created = await ctx.app.inject({
          method: 'POST',
          url: '/compat/powens/2.0/users/me/connections',
          headers,
          payload: { id_connector: 59, username: 'user_good', password: 'pass_good' },
        });
        assert.equal(created.statusCode, 201, created.body);
        return String(created.json().id);
      };
      const connection = await connectionOf();
      const spareConnection = await connectionOf();
      await quiescent(ctx.database.db, client.id);
      const accounts = await read(`/users/me/connections/${connection}/accounts`, 'accounts');
      // /config takes a manage token only; DELETE /auth/token revokes the token it is sent with, so
      // each such call gets a user token of its own (the shared one would answer 401 from then on).
      const manage = await ctx.app.inject({
        method: 'POST',
        url: '/compat/powens/2.0/auth/token',
        payload: { grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret },
      });
      assert.equal(manage.statusCode, 200, manage.body);
      const manageHeaders = { authorization: `Bearer ${manage.json().access_token}` };
      const spareTokens: string[] = [];
      for (let i = 0; i < SPARE_USER_TOKENS; i++) {
        const spare = await ctx.app.inject({
          method: 'POST',
          url: '/compat/powens/2.0/auth/init',
          payload: { client_id: client.id, client_secret: client.secret },
        });
        spareTokens.push(spare.json().auth_token);
      }
      return {
        auth: (operation) =>
          /\/config$/.test(operation.path)
            ? manageHeaders
            : operation.method === 'DELETE' && operation.path.endsWith('/auth/token')
              ? { authorization: `Bearer ${spareTokens.pop() ?? 'spent'}` }
              : headers,
        ids: (operation, name) => {
          if (name === 'id_user') return { own: [String(user), 'me'], other: [String(user + 1)] };
          if (name === 'id_connector') return { own: connectors, other: [] };
          if (name === 'id_connection')
            return { own: [destructive(operation) ? spareConnection : connection], other: [] };
          if (name === 'id_account') return { own: accounts, other: [] };
          return { own: [], other: [] };
        },
        authHeaders: ['authorization'],
      };
    },
  },
];

facades.forEach((facade, index) => {
  const seed = SEED + 100 + index;
  test(`fuzzing /compat/${facade.vendor}/openapi.json (${RUNS} requests, seed ${seed}): no 5xx, the vendor's envelope, as documented, refused writes change nothing`, async () => {
    const doc = (await ctx.app.inject({ url: `/compat/${facade.vendor}/openapi.json` })).json();
    const tools = new DocumentTools(doc);
    const operations = operationsOf(doc, `/compat/${facade.vendor}`);
    assert.ok(operations.length >= 10, `only ${operations.length} operations`);
    const target: Target = {
      ...(await facade.target(tools)),
      tools,
      kid: jwks.keys.find((k: Json) => k.use === 'enc').kid,
      jwes,
      cursors: [],
    };
    const started = performance.now();
    const stats = await fuzz({
      app: ctx.app,
      target,
      operations,
      oracles: { envelope: facade.envelope, generic: GENERIC_STATUSES, schemas: true },
      seed,
      runs: RUNS,
      fingerprint: () => clientFingerprint(ctx.database.db, client.id),
      quiescent: () => quiescent(ctx.database.db, client.id),
    });
    process.stdout.write(
      summary(
        `${facade.vendor} (seed ${seed}, ${tools.validated} bodies validated)`,
        stats,
        performance.now() - started,
      ),
    );
    // The cases get past authentication and validation into the routes' work: at least half the
    // operations answer a success at least once (each facade's setup gives real tokens, ids and a
    // spare connection for the deletes), so "no 5xx" is not only said of the refusals.
    const reached = operations.length - unreached(stats).length;
    assert.ok(
      reached * 2 >= operations.length,
      `${facade.vendor}: only ${reached} of ${operations.length} operations answered a success`,
    );
  });
});
