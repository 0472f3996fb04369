// pg-boss on the same database as the data (PGlite or PostgreSQL), so a job can be enqueued in the
// transaction that writes the rows it follows. Workers are woken by LISTEN/NOTIFY when a job is
// sent instead of waiting for their polling interval.
import { type JobWithMetadata, PgBoss } from 'pg-boss';
import type { Logger } from '../logger.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { type QueuedImportJob, runQueuedImport } from '../services/imports/queued-import.ts';
import { runRefresh } from '../services/refresh/run-refresh.ts';
import type { Database } from '../store/database.ts';
import { WebhookDispatcher } from '../webhooks/dispatcher.ts';
import {
  IMPORT_STATEMENT,
  PURGE_EXPIRED,
  queueDefinitions,
  REFRESH_CONNECTION,
  type RefreshJob,
  SCHEDULE_REFRESHES,
  schedules,
} from './definitions.ts';
import { purgeExpired } from './purge-expired.ts';
import { queueDueRefreshes } from './schedule-refreshes.ts';

/** `runsSchedules`: whether this process fires cron schedules (only processes that run workers do). */
export async function startQueue(
  database: Database,
  logger: Logger,
  runsSchedules: boolean,
): Promise<PgBoss> {
  const boss = new PgBoss({ ...database.bossOptions, useListenNotify: true, schedule: runsSchedules });
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  await boss.start();
  for (const [name, options] of Object.entries(queueDefinitions)) {
    if (await boss.getQueue(name)) await boss.updateQueue(name, options);
    else await boss.createQueue(name, options);
  }
  return boss;
}

/**
 * Registers every job handler and the recurring schedules on a started queue, and starts the
 * webhook dispatcher (returned: stop it before closing the database).
 */
export async function startWorkers(
  boss: PgBoss,
  database: Database,
  logger: Logger,
  engine: ServiceDeps,
  options: { webhooks?: boolean } = {},
): Promise<WebhookDispatcher | undefined> {
  await boss.work(PURGE_EXPIRED, async ([job]) => {
    const removed = await purgeExpired(database.db);
    logger.info({ job: job?.id, removed }, 'purged expired records');
    return removed;
  });
  // Two refreshes at a time per process: extraction is mostly waiting on institutions and the database.
  // Deferred jobs (an approve-in-app poll, a retry) get no NOTIFY when they come due: poll each second.
  await boss.work<RefreshJob>(
    REFRESH_CONNECTION,
    { localConcurrency: 2, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 1 },
    async ([job]) => {
      if (job) await runRefresh(engine, job.data.refreshId);
    },
  );
  await boss.work(IMPORT_STATEMENT, { pollingIntervalSeconds: 1, includeMetadata: true }, async (jobs) => {
    const job = jobs[0] as JobWithMetadata<QueuedImportJob> | undefined;
    if (job) await runQueuedImport(engine, job.data, { lastAttempt: job.retryCount >= job.retryLimit });
  });
  await boss.work(SCHEDULE_REFRESHES, async () => {
    const queued = await queueDueRefreshes(engine);
    if (queued > 0) logger.info({ queued }, 'queued scheduled refreshes');
    return { queued };
  });
  for (const { queue, cron } of schedules) await boss.schedule(queue, cron);
  if (options.webhooks === false) return undefined;
  const dispatcher = new WebhookDispatcher(
    { db: engine.db, keyring: engine.keyring, logger, now: engine.now, policy: engine.webhookPolicy },
    database,
  );
  await dispatcher.start();
  return dispatcher;
}
