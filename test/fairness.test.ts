// Refreshes share the workers fairly: job priorities, the worker slot kept for interactive
// refreshes, one run per refresh, a long extraction giving way to a new end user's. The sandbox
// connector is wrapped so that a test can hold a login (the refresh then keeps its worker slot as
// a long extraction would) and see the order in which logins came. Every check is on order and
// state, waited for with generous timeouts; nothing is timed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Connector } from '../src/connectors/connector.ts';
import { ConnectorRegistry } from '../src/connectors/registry.ts';
import { sandboxConnector } from '../src/connectors/sandbox/index.ts';
import {
  INTERACTIVE_REFRESH_SLOTS,
  priorityOfRefresh,
  REFRESH_CONNECTION,
  REFRESH_SLOTS,
  refreshPriority,
} from '../src/jobs/definitions.ts';
import { FairShare } from '../src/jobs/fair-share.ts';
import { cancelOrphanedRefreshJobs } from '../src/jobs/recover.ts';
import { refreshClaims } from '../src/jobs/refresh-claims.ts';
import { queueDueRefreshes } from '../src/jobs/schedule-refreshes.ts';
import { createConnection, good, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';

/** Logins of held usernames wait until released; every login is noted in order. */
class Gates {
  readonly #held = new Map<string, { promise: Promise<void>; release: () => void }>();
  readonly entered: string[] = [];

  hold(username: string): void {
    let release = () => {};
    const promise = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#held.set(username, { promise, release });
  }

  release(username: string): void {
    this.#held.get(username)?.release();
    this.#held.delete(username);
  }

  releaseAll(): void {
    for (const username of [...this.#held.keys()]) this.release(username);
  }

  /** Logins of `username` so far. */
  logins(username: string): number {
    return this.entered.filter((name) => name === username).length;
  }

  readonly connector: Connector = {
    ...sandboxConnector,
    login: async (input) => {
      const username = input.credentials.username ?? '';
      this.entered.push(username);
      const gate = this.#held.get(username);
      if (gate) await gate.promise;
      return sandboxConnector.login(input);
    },
  };
}

const gates = new Gates();
/** How long a refresh counts as young in this file (the product's default is 2 s: see below). */
const YOUNG_TEST_MS = 4000;
let ctx: TestContext;
let token: string;

before(async () => {
  ctx = await buildTestContext({
    registry: new ConnectorRegistry([gates.connector]),
    youngRefreshMs: YOUNG_TEST_MS,
  });
  token = await ctx.tokenFor(await ctx.createClient());
});
after(async () => {
  gates.releaseAll();
  await ctx.close();
});

async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const refreshRow = (id: string) =>
  ctx.engine.db.selectFrom('refreshes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

/** The pg-boss jobs sent for a refresh, oldest first. */
async function jobsOf(refreshId: string): Promise<Array<{ id: string; state: string; priority: number }>> {
  const table = (await ctx.boss.getQueue(REFRESH_CONNECTION))?.table ?? 'job';
  const schema = ctx.database.bossOptions.schema ?? 'pgboss';
  const { rows } = await sql<{ id: string; state: string; priority: number }>`
    select id, state, priority from ${sql.id(schema, table)}
    where name = ${REFRESH_CONNECTION} and data->>'refreshId' = ${refreshId}
    order by created_on, id`.execute(ctx.engine.db);
  return rows;
}

/** A connection of `username` that has had its first load. */
async function connected(username: string): Promise<string> {
  const created = await createConnection(ctx, token, good(username));
  const done = await waitForConnection(ctx, token, created.id, (c) => c.refresh === null, 120_000);
  assert.equal(done.status, 'ok');
  return created.id;
}

/** Makes connections due and runs the schedule's pass: their scheduled refreshes' ids. */
async function schedule(...connectionIds: string[]): Promise<string[]> {
  await ctx.engine.db
    .updateTable('connections')
    .set({ next_refresh_at: new Date(Date.now() - 1000) })
    .where('id', 'in', connectionIds)
    .execute();
  await queueDueRefreshes(ctx.engine);
  const rows = await ctx.engine.db
    .selectFrom('refreshes')
    .select(['id', 'connection_id'])
    .where('connection_id', 'in', connectionIds)
    .where('trigger', '=', 'scheduled')
    .where('status', 'in', ['queued', 'running'])
    .execute();
  return connectionIds.map((id) => rows.find((row) => row.connection_id === id)!.id);
}

async function manualRefresh(connectionId: string): Promise<string> {
  const response = await ctx.call(token, { method: 'POST', url: `/v1/connections/${connectionId}/refresh` });
  assert.equal(response.statusCode, 202, response.body);
  return response.json().id as string;
}

const finished = async (refreshId: string) =>
  ['succeeded', 'failed'].includes((await refreshRow(refreshId)).status);

describe('priorities', () => {
  test('what started a refresh sets its job’s priority', () => {
    assert.equal(priorityOfRefresh({ trigger: 'initial' }), refreshPriority.interactive);
    assert.equal(priorityOfRefresh({ trigger: 'credentials_update' }), refreshPriority.interactive);
    assert.equal(
      priorityOfRefresh({ trigger: 'manual', user_present: { ip: '::1' } }),
      refreshPriority.interactive,
    );
    assert.equal(priorityOfRefresh({ trigger: 'manual' }), refreshPriority.requested);
    assert.equal(priorityOfRefresh({ trigger: 'scheduled' }), refreshPriority.scheduled);
    assert.ok(refreshPriority.interactive > refreshPriority.requested);
    assert.ok(refreshPriority.requested > refreshPriority.scheduled);
  });

  test('first load: interactive; a manual refresh: requested; the schedule’s: scheduled', async () => {
    const created = await createConnection(ctx, token, good('user_prio'));
    const first = created.refresh!.id;
    await waitForConnection(ctx, token, created.id, (c) => c.refresh === null);
    assert.deepEqual(
      (await jobsOf(first)).map((job) => job.priority),
      [refreshPriority.interactive],
    );
    const manual = await manualRefresh(created.id);
    await until('the manual refresh', () => finished(manual));
    assert.deepEqual(
      (await jobsOf(manual)).map((job) => job.priority),
      [refreshPriority.requested],
    );
    const [scheduled] = await schedule(created.id);
    await until('the scheduled refresh', () => finished(scheduled!));
    assert.deepEqual(
      (await jobsOf(scheduled!)).map((job) => job.priority),
      [refreshPriority.scheduled],
    );
  });
});

describe('worker slots', () => {
  test('scheduled refreshes holding every slot: a new connection still runs, a queued scheduled one waits', async () => {
    assert.equal(REFRESH_SLOTS, 2);
    assert.equal(INTERACTIVE_REFRESH_SLOTS, 1);
    const [a, b, c] = [
      await connected('user_slot_a'),
      await connected('user_slot_b'),
      await connected('user_slot_c'),
    ];
    gates.hold('user_slot_a');
    gates.hold('user_slot_b');
    const [ra, rb] = await schedule(a, b);
    await until(
      'both scheduled refreshes at the bank',
      () => gates.logins('user_slot_a') === 2 && gates.logins('user_slot_b') === 2,
    );
    const [rc] = await schedule(c);
    // The end user's first load is taken by the slot kept for interactive refreshes.
    const created = await createConnection(ctx, token, good('user_good'));
    const done = await waitForConnection(ctx, token, created.id, (x) => x.refresh === null, 120_000);
    assert.equal(done.status, 'ok');
    assert.equal((await refreshRow(ra!)).status, 'running');
    assert.equal((await refreshRow(rb!)).status, 'running');
    // That slot takes nothing else: the third scheduled refresh waits for a slot of its own.
    assert.equal((await refreshRow(rc!)).status, 'queued');
    assert.equal(gates.logins('user_slot_c'), 1);
    gates.release('user_slot_a');
    gates.release('user_slot_b');
    await until('every refresh', async () => (await finished(ra!)) && (await finished(rb!)) && finished(rc!));
    assert.equal(gates.logins('user_slot_c'), 2);
  });

  test('a freed slot takes the refresh a client asked for before the scheduled ones queued earlier', async () => {
    const [a, b, s, r] = [
      await connected('user_order_a'),
      await connected('user_order_b'),
      await connected('user_order_s'),
      await connected('user_order_r'),
    ];
    gates.hold('user_order_a');
    gates.hold('user_order_b');
    const [ra, rb] = await schedule(a, b);
    await until(
      'both slots held',
      () => gates.logins('user_order_a') === 2 && gates.logins('user_order_b') === 2,
    );
    const [rs] = await schedule(s);
    const rr = await manualRefresh(r);
    assert.equal((await refreshRow(rs!)).status, 'queued');
    assert.equal((await refreshRow(rr)).status, 'queued');
    const mark = gates.entered.length;
    gates.release('user_order_a');
    await until('both queued refreshes', async () => (await finished(rs!)) && finished(rr));
    const order = gates.entered
      .slice(mark)
      .filter((name) => name === 'user_order_s' || name === 'user_order_r');
    assert.deepEqual(order, ['user_order_r', 'user_order_s']);
    gates.release('user_order_b');
    await until('the held refreshes', async () => (await finished(ra!)) && finished(rb!));
  });
});

describe('one run per refresh', () => {
  test('a second job for a refresh that is running waits for it instead of running it again', async () => {
    const id = await connected('user_twice');
    gates.hold('user_twice');
    const [refresh] = await schedule(id);
    await until('the refresh at the bank', () => gates.logins('user_twice') === 2);
    // As a job retried after a missed heartbeat, or a second answer, would.
    await ctx.engine.jobs.send(
      REFRESH_CONNECTION,
      { refreshId: refresh! },
      { priority: refreshPriority.scheduled },
    );
    await until('the second job to find the refresh claimed', () =>
      ctx.logs.some(
        (line) =>
          line.msg === 'refresh is being run by another job; looking again later' && line.refresh === refresh,
      ),
    );
    assert.equal(gates.logins('user_twice'), 2);
    gates.release('user_twice');
    await until('the refresh', () => finished(refresh!));
    const row = await refreshRow(refresh!);
    assert.equal(row.status, 'succeeded');
    // The job sent again later finds the refresh done and leaves it.
    await until(
      'the job sent again',
      async () => (await jobsOf(refresh!)).every((job) => job.state === 'completed'),
      60_000,
    );
    assert.equal(gates.logins('user_twice'), 2);
  });

  test('claims: one holder at a time, here and (PostgreSQL) across processes', async () => {
    const here = refreshClaims(ctx.database);
    const elsewhere = refreshClaims(ctx.database);
    try {
      const release = await here.claim('refresh_claimed');
      assert.ok(release);
      assert.equal(await here.claim('refresh_claimed'), null);
      if (ctx.database.engine === 'postgres') assert.equal(await elsewhere.claim('refresh_claimed'), null);
      assert.ok(
        await here
          .claim('refresh_other')
          .then((r) => r?.())
          .then(() => true),
      );
      await release();
      const again = await (ctx.database.engine === 'postgres' ? elsewhere : here).claim('refresh_claimed');
      assert.ok(again);
      await again();
    } finally {
      await here.close();
      await elsewhere.close();
    }
  });

  test('jobs a process that is gone left active are cancelled', async () => {
    const id = await connected('user_orphan');
    gates.hold('user_orphan');
    const [refresh] = await schedule(id);
    await until('the refresh at the bank', () => gates.logins('user_orphan') === 2);
    const [job] = await jobsOf(refresh!);
    assert.equal(job?.state, 'active');
    // As if this process had started after the job did (it was the previous process's).
    const schema = ctx.database.bossOptions.schema ?? 'pgboss';
    const cancelled = await cancelOrphanedRefreshJobs(
      ctx.boss,
      ctx.engine,
      schema,
      new Date(Date.now() + 1000),
    );
    assert.ok(cancelled.includes(job!.id));
    assert.equal((await jobsOf(refresh!))[0]?.state, 'cancelled');
    gates.release('user_orphan');
    await until('the refresh', () => finished(refresh!));
  });
});

describe('a long extraction gives way', () => {
  test('a new connection started while a large extraction runs finishes first; the large one gave way', async () => {
    // The new connection stores a few batches (it stays young while the large one runs statements,
    // even on a loaded machine: this file's young time is YOUNG_TEST_MS, because with the default
    // 2 s a large statement stalled on a busy CI machine could outlast the new one's whole young
    // time, and nothing gave way); the large one is forty times its size.
    const big = await createConnection(ctx, token, good('user_good_200000'));
    const bigRefresh = big.refresh!.id;
    await until(
      'a stored batch of the large extraction',
      () => ctx.logs.some((line) => line.msg === 'stored a batch' && line.refresh === bigRefresh),
      120_000,
    );
    // It has run longer than a refresh counts as young: from now on it gives way to younger ones.
    await until('the large extraction to be past its young time', async () => {
      const startedAt = (await refreshRow(bigRefresh)).started_at;
      return startedAt !== null && Date.now() - startedAt.getTime() > YOUNG_TEST_MS + 100;
    });
    const small = await createConnection(ctx, token, good('user_good_5000'));
    const done = await waitForConnection(ctx, token, small.id, (c) => c.refresh === null, 120_000);
    assert.equal(done.status, 'ok');
    assert.equal((await refreshRow(bigRefresh)).status, 'running');
    const bigDone = await waitForConnection(ctx, token, big.id, (c) => c.refresh === null, 150_000);
    assert.equal(bigDone.status, 'ok');
    assert.equal(bigDone.product_status.transactions?.count, 200_000);
    const gaveWay = ctx.logs.find(
      (line) => line.msg === 'gave way to younger refreshes' && line.refresh === bigRefresh,
    );
    assert.ok(gaveWay, 'the large extraction gave way');
  });

  test('fair share: a refresh gives way only to younger ones of no lower priority, and not for long', async () => {
    let now = 0;
    const share = new FairShare({ now: () => now, youngMs: 2000, maxWaitMs: 1000 });
    const old = share.enter(refreshPriority.interactive);
    assert.equal(share.givesWayUntil(old), null);
    now = 5000;
    const scheduled = share.enter(refreshPriority.scheduled);
    assert.equal(share.givesWayUntil(old), null, 'not to a lower priority');
    const young = share.enter(refreshPriority.interactive);
    assert.equal(share.givesWayUntil(old), 7000);
    assert.equal(share.givesWayUntil(young), null, 'a young refresh never waits');
    now = 6000;
    assert.equal(share.givesWayUntil(scheduled), null, 'young itself');
    now = 7000;
    assert.equal(share.givesWayUntil(old), null, 'no longer young');
    share.leave(young);
    share.leave(scheduled);
    share.leave(old);
  });
});
