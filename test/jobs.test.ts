// pg-boss runs on the test engine (PGlite or PostgreSQL): a real job, sent, picked up by a real
// worker woken by NOTIFY, and its effect checked in the database.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PgBoss } from 'pg-boss';
import { defaultRegistry } from '../src/connectors/registry.ts';
import { PURGE_EXPIRED } from '../src/jobs/definitions.ts';
import { jobSender } from '../src/jobs/sender.ts';
import { startQueue, startWorkers } from '../src/jobs/workers.ts';
import { createLogger } from '../src/logger.ts';
import { generateMasterKeyText, parseMasterKeyring } from '../src/security/envelope.ts';
import { createClient } from '../src/services/clients.ts';
import { KeyStore } from '../src/services/keys.ts';
import { ingestOptionsFor } from '../src/store/records.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

let database: TestDatabase;
let boss: PgBoss;
let dispatcher: Awaited<ReturnType<typeof startWorkers>>;

before(async () => {
  database = await createTestDatabase();
  const logger = createLogger('silent');
  boss = await startQueue(database, logger, true);
  dispatcher = await startWorkers(boss, database, logger, {
    db: database.db,
    keyring: parseMasterKeyring(generateMasterKeyText()),
    registry: defaultRegistry(),
    jobs: jobSender(boss),
    logger,
    now: () => new Date(),
    ingest: ingestOptionsFor(database),
    webhookPolicy: { allowPrivate: true },
    webhookFormats: new Map(),
    publicUrl: 'http://tesoro.test',
  });
});
after(async () => {
  await dispatcher?.stop();
  await boss.stop({ graceful: true, timeout: 5000 });
  await database.close();
});

/** The counts of every purge job that ran since `since`, summed (once none is left running). */
async function purgedSince(since: Date): Promise<Record<string, number>> {
  for (let i = 0; i < 200; i++) {
    const jobs = await boss.findJobs<object>(PURGE_EXPIRED);
    // Created since, or not finished by then (a cron run queued just before may still take the rows).
    const recent = jobs.filter(
      (job) => job.createdOn >= since || job.completedOn === null || job.completedOn > since,
    );
    if (recent.every((job) => ['completed', 'failed', 'cancelled'].includes(job.state))) {
      const total: Record<string, number> = {
        idempotency_keys: 0,
        crypto_keys: 0,
        events: 0,
        compat_handles: 0,
      };
      for (const job of recent.filter((j) => j.state === 'completed'))
        for (const [name, count] of Object.entries(job.output as Record<string, number>))
          total[name] = (total[name] ?? 0) + count;
      return total;
    }
    await sleep(50);
  }
  throw new Error('a purge job did not finish');
}

async function waitForJob(id: string): Promise<{ state: string; output: unknown }> {
  for (let i = 0; i < 200; i++) {
    const [job] = await boss.findJobs(PURGE_EXPIRED, { id });
    if (job && ['completed', 'failed'].includes(job.state)) return job;
    await sleep(50);
  }
  throw new Error(`job ${id} did not finish`);
}

test('the purge job removes expired idempotency records and keys past their grace, nothing else', async () => {
  const db = database.db;
  const since = new Date();
  const { client } = await createClient(db, { name: 'jobs test' });
  const past = new Date(Date.now() - 60_000);
  const future = new Date(Date.now() + 3_600_000);
  await db
    .insertInto('idempotency_keys')
    .values([
      {
        client_id: client.id,
        key: 'old',
        method: 'POST',
        path: '/v1/x',
        request_hash: 'h',
        expires_at: past,
      },
      {
        client_id: client.id,
        key: 'live',
        method: 'POST',
        path: '/v1/x',
        request_hash: 'h',
        expires_at: future,
      },
    ])
    .execute();
  const keys = new KeyStore(db, parseMasterKeyring(generateMasterKeyText()));
  await keys.ensureActiveKeys();
  await keys.rotate(); // the first pair is retired with a grace period…
  await keys.rotate(); // …and so is the second
  const retired = await db
    .selectFrom('crypto_keys')
    .select('kid')
    .where('retired_at', 'is not', null)
    .orderBy('created_at')
    .execute();
  assert.equal(retired.length, 4);
  await db
    .updateTable('crypto_keys')
    .set({ expires_at: past })
    .where(
      'kid',
      'in',
      retired.slice(0, 2).map((r) => r.kid),
    )
    .execute();

  const id = await boss.send(PURGE_EXPIRED, {});
  assert.ok(id);
  const job = await waitForJob(id);
  assert.equal(job.state, 'completed');
  // The purge is also on a quarter-hour cron: a run that starts meanwhile may take the expired
  // rows first. Every purge since this test began, together, removed exactly these.
  assert.deepEqual(await purgedSince(since), {
    idempotency_keys: 1,
    crypto_keys: 2,
    events: 0,
    compat_handles: 0,
  });

  const left = await db.selectFrom('idempotency_keys').select('key').execute();
  assert.deepEqual(
    left.map((r) => r.key),
    ['live'],
  );
  const remaining = await db.selectFrom('crypto_keys').select(['kid', 'retired_at']).execute();
  assert.equal(remaining.length, 4, 'two keys in grace and the two active ones remain');
  assert.equal(remaining.filter((k) => k.retired_at === null).length, 2);
});

test('the purge job is scheduled', async () => {
  const schedules = await boss.getSchedules();
  assert.ok(schedules.some((s) => s.name === PURGE_EXPIRED && s.cron === '*/15 * * * *'));
});
