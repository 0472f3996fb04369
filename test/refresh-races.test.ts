// A refresh's end against what changed meanwhile. The run reads the connection when it starts; a
// PATCH, new credentials, a disable or a re-authentication can land before it ends, and the end of
// the run must not undo them: it decides the connection's new columns from the row as it is when it
// ends (locked), writes nothing when it was superseded, and writes no state for a product that was
// removed. And a challenge whose refresh fails after the answer is closed, so the answer is told.
// Every interleaving is driven step by step (service functions called in the order that exposes it,
// a row lock held by the test), never by timing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Connector, ExtractInput } from '../src/connectors/connector.ts';
import type { ConnectorRegistry } from '../src/connectors/registry.ts';
import {
  createConnection as createConnectionRow,
  disableConnection,
  requestReauthentication,
  updateConnectionSettings,
  updateCredentials,
} from '../src/services/connections.ts';
import type { ServiceDeps } from '../src/services/deps.ts';
import { completeRefresh, failWith } from '../src/services/refresh/finish.ts';
import { runRefresh } from '../src/services/refresh/run-refresh.ts';
import { findActiveRefresh, findConnectionById, findRefresh } from '../src/store/connections.ts';
import { updateRefresh } from '../src/store/refreshes.ts';
import { createConnection, getConnection, good, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestClient, type TestContext } from './helpers/context.ts';
import { testEngine } from './helpers/database.ts';

let ctx: TestContext;
let client: TestClient;
let token: string;

before(async () => {
  ctx = await buildTestContext();
  client = await ctx.createClient();
  token = await ctx.tokenFor(client);
});
after(() => ctx.close());

/** The engine without its job queue: no worker runs these refreshes, the test runs their steps. */
const quiet = (): ServiceDeps => ({ ...ctx.engine, jobs: { send: async () => {} } });

let logins = 0;
const small = () => good(`user_good_${10 + ++logins}`);

const patch = (id: string, payload: Record<string, unknown>) =>
  ctx.call(token, { method: 'PATCH', url: `/v1/connections/${id}`, payload });

/** A connection whose first refresh is queued (no job: the test drives it), and that refresh. */
async function queuedConnection(input: Record<string, unknown>) {
  const id = await createConnectionRow(quiet(), client.id, {
    ...small(),
    access_mode: 'recurrent',
    ...input,
  });
  const refresh = (await findActiveRefresh(ctx.engine.db, id))!;
  assert.equal(refresh.status, 'queued');
  return { id, refresh };
}

/** The run has started: its refresh is running (what runRefresh writes once it read the connection). */
async function markRunning(refresh: NonNullable<Awaited<ReturnType<typeof findRefresh>>>) {
  await updateRefresh(ctx.engine.db, refresh.id, { status: 'running', started_at: new Date() });
  return (await findRefresh(ctx.engine.db, refresh.id))!;
}

describe('the end of a refresh decides from the connection as it is then', () => {
  test('a single connection made recurrent after its refresh read it keeps its credentials when the refresh succeeds', async () => {
    const { id, refresh } = await queuedConnection({ access_mode: 'single' });
    // What the run read when it started. The PATCH lands before the run marks its refresh running,
    // so it keeps that refresh (a queued one reads the new settings when it runs), but the run
    // already holds the old row: single.
    const seen = (await findConnectionById(ctx.engine.db, id))!;
    const patched = await patch(id, { access_mode: 'recurrent' });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().has_credentials, true);
    await completeRefresh(quiet(), seen, await markRunning(refresh));

    const connection = await getConnection(ctx, token, id);
    assert.equal(connection.status, 'ok');
    assert.equal(connection.access_mode, 'recurrent');
    assert.equal(connection.has_credentials, true, 'a recurrent connection keeps its credentials');
    assert.ok(connection.next_refresh_at !== null, 'and is scheduled on its interval');
    assert.equal(connection.refresh_interval, '24h');
    assert.equal((await findRefresh(ctx.engine.db, refresh.id))!.status, 'succeeded');
  });

  test('… and when the refresh fails (not to be retried by itself)', async () => {
    const { id, refresh } = await queuedConnection({ access_mode: 'single' });
    const seen = (await findConnectionById(ctx.engine.db, id))!;
    assert.equal((await patch(id, { access_mode: 'recurrent' })).statusCode, 200);
    await failWith(quiet(), seen, await markRunning(refresh), 'action_needed', 'Do something.');

    const connection = await getConnection(ctx, token, id);
    assert.equal(connection.status, 'action_needed');
    assert.equal(connection.needs_user, true);
    assert.equal(connection.has_credentials, true, 'a recurrent connection keeps its credentials');
  });

  test('a recurrent connection made single after its refresh read it drops its credentials when it ends', async () => {
    const { id, refresh } = await queuedConnection({});
    const seen = (await findConnectionById(ctx.engine.db, id))!;
    const patched = await patch(id, { access_mode: 'single' });
    assert.equal(patched.statusCode, 200, patched.body);
    // A refresh is still to run: the credentials are kept for it.
    assert.equal(patched.json().has_credentials, true);
    await completeRefresh(quiet(), seen, await markRunning(refresh));

    const connection = await getConnection(ctx, token, id);
    assert.equal(connection.status, 'ok');
    assert.equal(connection.has_credentials, false, 'the one-shot extraction has ended');
    assert.equal(connection.next_refresh_at, null);
  });

  test('a product removed while the refresh extracts it does not come back into product_status', async () => {
    const { id, refresh } = await queuedConnection({ products: ['accounts', 'transactions'] });
    const gate = gateExtraction(ctx.engine.registry, 'transactions');
    const run = runRefresh({ ...quiet(), registry: gate.registry }, refresh.id);
    await gate.reached;
    // The accounts are loaded, the transactions are next: the PATCH removes them (and supersedes
    // the running refresh with a new one).
    await updateConnectionSettings(quiet(), client.id, id, { products: ['accounts'] });
    gate.release();
    await run;

    const connection = (await findConnectionById(ctx.engine.db, id))!;
    assert.deepEqual(connection.products, ['accounts']);
    assert.deepEqual(Object.keys(connection.product_status), ['accounts']);
    assert.equal(connection.product_status.accounts!.created, true);
    // The superseded run wrote nothing else either.
    assert.equal(connection.status, 'pending');
    assert.equal(connection.last_refresh_at, null);
    const old = (await findRefresh(ctx.engine.db, refresh.id))!;
    assert.deepEqual([old.status, old.error_code], ['failed', 'superseded']);
  });

  // Each lands while the run ends: it has written the connection (the row locked) and stops when it
  // abandons the refresh, uncommitted; the run's end then waits for the connection's row.
  const landing: Array<{
    what: string;
    access: 'single' | 'recurrent';
    act(deps: ServiceDeps, id: string): Promise<unknown>;
    code: string;
    check(connection: NonNullable<Awaited<ReturnType<typeof findConnectionById>>>): void;
  }> = [
    {
      what: 'a PATCH making a single connection recurrent',
      access: 'single',
      act: (deps, id) => updateConnectionSettings(deps, client.id, id, { access_mode: 'recurrent' }),
      code: 'superseded',
      check(connection) {
        assert.equal(connection.access_mode, 'recurrent');
        assert.ok(connection.credentials_sealed !== null, 'the credentials are kept');
        assert.equal(connection.status, 'pending');
      },
    },
    {
      what: 'a disable',
      access: 'recurrent',
      act: (deps, id) => disableConnection(deps, client.id, id),
      code: 'disabled',
      check(connection) {
        assert.equal(connection.status, 'disabled');
        assert.equal(connection.next_refresh_at, null);
      },
    },
    {
      what: 'new credentials of a single connection',
      access: 'single',
      act: (deps, id) => updateCredentials(deps, client.id, id, small().credentials),
      code: 'superseded',
      check(connection) {
        assert.equal(connection.status, 'pending');
        assert.ok(connection.credentials_sealed !== null, 'the new credentials are kept for their refresh');
      },
    },
    {
      what: 'a re-authentication',
      access: 'recurrent',
      act: (deps, id) => requestReauthentication(deps, client.id, id),
      code: 'reauthentication_requested',
      check(connection) {
        assert.equal(connection.needs_user, true, 'the end user must still log in again');
        assert.equal(connection.status, 'pending');
      },
    },
  ];
  for (const { what, access, act, code, check } of landing) {
    test(`${what}, committed while the refresh ends: the refresh writes nothing`, {
      skip: testEngine === 'pglite' && 'needs two transactions at once (PGlite runs one at a time)',
    }, async () => {
      const { id, refresh } = await queuedConnection({ access_mode: access });
      const running = await markRunning(refresh);
      const seen = (await findConnectionById(ctx.engine.db, id))!;
      const url = ctx.database.url!;
      const holder = new pg.Client({ connectionString: url });
      const watcher = new pg.Client({ connectionString: url });
      await Promise.all([holder.connect(), watcher.connect()]);
      try {
        // The test holds the refresh's row, so the change stops there.
        await holder.query('begin');
        await holder.query('select 1 from refreshes where id = $1 for update', [refresh.id]);
        const acting = act(quiet(), id);
        await lockWaiters(watcher, 1);
        const ending = completeRefresh(quiet(), seen, running);
        await lockWaiters(watcher, 2);
        await holder.query('commit');
        await acting;
        await ending;
      } finally {
        await Promise.all([holder.end(), watcher.end()]);
      }

      const old = (await findRefresh(ctx.engine.db, refresh.id))!;
      assert.deepEqual([old.status, old.error_code], ['failed', code]);
      const connection = (await findConnectionById(ctx.engine.db, id))!;
      assert.equal(connection.last_refresh_at, null, 'the superseded run did not end the first load');
      check(connection);
    });
  }
});

describe('a challenge whose refresh fails after the answer', () => {
  for (const [value, status] of [
    ['INTERNAL_ERROR', 'institution_down'],
    ['USER_INTERACTION_NEEDED', 'action_needed'],
  ] as const) {
    test(`is closed, and the answer says the login failed (${value})`, async () => {
      const created = await createConnection(ctx, token, {
        institution_id: 'ins_sandbox_testbank',
        credentials: { username: 'anyone', password: 'SCA_SMS' },
      });
      const waiting = await waitForConnection(ctx, token, created.id);
      assert.equal(waiting.status, 'challenge_required');
      const challengeId = waiting.challenge!.id;

      const answered = await ctx.call(token, {
        method: 'POST',
        url: `/v1/connections/${created.id}/challenge`,
        payload: { answers: { code: value } },
      });
      assert.equal(answered.statusCode, 422, answered.body);
      assert.equal(answered.json().code, 'CHALLENGE_FAILED');
      assert.equal(answered.json().attempts_left, 0);
      // Said as it is: not "too many wrong answers".
      assert.match(answered.json().detail, /^The login failed after the answer: /);

      const connection = await getConnection(ctx, token, created.id);
      assert.equal(connection.status, status);
      assert.equal(connection.challenge, null);
      assert.equal(connection.refresh, null);
      const row = await ctx.engine.db
        .selectFrom('challenges')
        .select('status')
        .where('id', '=', challengeId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'failed');
    });
  }
});

/**
 * The registry with one product's extraction held: `reached` resolves when the run asks for that
 * product, whose records come once `release()` is called.
 */
function gateExtraction(registry: ConnectorRegistry, product: string) {
  let arrive!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  const gated: ConnectorRegistry = Object.create(registry);
  gated.connectorFor = (institutionId: string) => {
    const connector = registry.connectorFor(institutionId);
    if (!connector) return undefined;
    const held: Connector = Object.create(connector);
    held.extract = async function* (input: ExtractInput) {
      if (input.product === product) {
        arrive();
        await opened;
      }
      yield* connector.extract(input);
    };
    return held;
  };
  return { registry: gated, reached, release };
}

/** Until `n` of the application's connections wait on a row lock (PostgreSQL). */
async function lockWaiters(watcher: pg.Client, n: number): Promise<void> {
  for (let i = 0; ; i++) {
    const { rows } = await watcher.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
       where datname = current_database() and application_name = 'tesoro' and wait_event_type = 'Lock'`,
    );
    if (rows[0]!.n >= n) return;
    if (i > 3000) throw new Error(`${rows[0]!.n} of ${n} transactions wait on a lock`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
