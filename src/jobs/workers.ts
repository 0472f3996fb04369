// pg-boss on the same database as the data (PGlite or PostgreSQL), so a job can be enqueued in the
// transaction that writes the rows it follows. Workers are woken by LISTEN/NOTIFY when a job is
// sent instead of waiting for their polling interval; jobs that come due later (a `startAfter`, a
// retry) get no NOTIFY, so the JobWaker below looks up when they are due and wakes the workers
// then. The pollers that remain are slow backstops: an idle process makes a few queries a minute.

import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { type Job, type JobWithMetadata, PgBoss } from 'pg-boss';
import type { Logger } from '../logger.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { type QueuedImportJob, runQueuedImport } from '../services/imports/queued-import.ts';
import type { Database } from '../store/database.ts';
import type { Schema } from '../store/schema.ts';
import { WebhookDispatcher } from '../webhooks/dispatcher.ts';
import {
  BACKSTOP_POLL_SECONDS,
  CRON_QUEUE,
  everyMinute,
  FLOW_INTERVAL_SECONDS,
  IMPORT_STATEMENT,
  INTERACTIVE_REFRESH_SLOTS,
  PURGE_EXPIRED,
  queueDefinitions,
  REFRESH_CONNECTION,
  REFRESH_SLOTS,
  type RefreshJob,
  refreshPriority,
  retiredSchedules,
  SCHEDULE_REFRESHES,
  schedules,
} from './definitions.ts';
import { FairShare } from './fair-share.ts';
import { purgeExpired } from './purge-expired.ts';
import { cancelOrphanedRefreshJobs } from './recover.ts';
import { refreshClaims } from './refresh-claims.ts';
import { runRefreshJob } from './refresh-job.ts';
import { queueDueRefreshes } from './schedule-refreshes.ts';

/** The minute timer of each queue that runs schedules (stopped with the workers, or the queue). */
const tickers = new WeakMap<PgBoss, MinuteTicker>();

/**
 * `runsSchedules`: whether this process fires cron schedules and the every-minute jobs (only
 * processes that run workers do).
 */
export async function startQueue(
  database: Database,
  logger: Logger,
  runsSchedules: boolean,
): Promise<PgBoss> {
  const boss = new PgBoss({
    ...database.bossOptions,
    useListenNotify: true,
    schedule: runsSchedules,
    flowIntervalSeconds: FLOW_INTERVAL_SECONDS,
  });
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  await boss.start();
  for (const [name, options] of Object.entries(queueDefinitions)) {
    if (await boss.getQueue(name)) await boss.updateQueue(name, options);
    else await boss.createQueue(name, options);
  }
  if (runsSchedules) {
    const ticker = new MinuteTicker(boss, logger, everyMinute);
    tickers.set(boss, ticker);
    boss.once('stopped', () => ticker.stop());
    ticker.start();
    // The cron pass hands each occurrence to pg-boss's own queue, whose worker polls it every 5 s.
    // With NOTIFY on that queue the occurrence is forwarded at once and the poll becomes a backstop.
    try {
      await boss.updateQueue(CRON_QUEUE, { notify: true });
    } catch (error) {
      logger.warn({ err: error }, 'could not turn on NOTIFY for the cron queue; it is polled instead');
    }
  }
  return boss;
}

/** What startWorkers started; stop it before stopping the queue and closing the database. */
export interface Workers {
  stop(): Promise<void>;
}

/**
 * Registers every job handler and the recurring schedules on a started queue, starts the waker of
 * deferred jobs and the webhook dispatcher (unless `webhooks: false`).
 */
export async function startWorkers(
  boss: PgBoss,
  database: Database,
  logger: Logger,
  engine: ServiceDeps,
  options: {
    webhooks?: boolean;
    /** How long a refresh counts as young (fair-share.ts; default YOUNG_MS): tests widen it. */
    youngRefreshMs?: number;
  } = {},
): Promise<Workers> {
  const schema = database.bossOptions.schema ?? 'pgboss';
  const waker = new JobWaker(boss, database.db, logger, schema);
  // Embedded: the refresh jobs a process that died left active would be retried beside the
  // resumed ones (recover.ts), so they go before any worker starts.
  if (database.engine === 'pglite') await cancelOrphanedRefreshJobs(boss, engine, schema);
  // After each job its queue's workers fetch again at once (a backlog drains without waiting out
  // the backstop poll), and the waker looks for what the job deferred (a retry, a challenge poll).
  // `defers: false` for a queue whose jobs defer nothing (no startAfter, retries without delay).
  const afterJob =
    <J, R>(queue: string, handler: (jobs: J[]) => Promise<R>, defers = true) =>
    async (jobs: J[]): Promise<R> => {
      try {
        return await handler(jobs);
      } finally {
        waker.afterJob(queue, defers);
      }
    };
  const backstop = { notifyPollingIntervalSeconds: BACKSTOP_POLL_SECONDS };
  await boss.work(
    PURGE_EXPIRED,
    backstop,
    afterJob(PURGE_EXPIRED, async ([job]: Job[]) => {
      const removed = await purgeExpired(database.db);
      logger.info({ job: job?.id, removed }, 'purged expired records');
      return removed;
    }),
  );
  // Two refreshes at a time per process (extraction is mostly waiting on institutions and the
  // database), fetched by priority: first loads and refreshes someone is present for, then the ones
  // a client asked for, then scheduled ones. One more slot takes only the first kind, so a new end
  // user never waits for two long scheduled refreshes to end. Each run claims its refresh (never two
  // jobs on one) and gives way to younger refreshes of this process (fair-share.ts).
  // Without LISTEN/NOTIFY (a pooler in transaction mode) new jobs are found by polling each second.
  const claims = refreshClaims(database);
  boss.once('stopped', () => void claims.close());
  const runner = { engine, claims, share: new FairShare({ youngMs: options.youngRefreshMs }), logger };
  const refreshHandler = afterJob(REFRESH_CONNECTION, async (jobs: Job<RefreshJob>[]) => {
    const job = jobs[0] as JobWithMetadata<RefreshJob> | undefined;
    if (job) await runRefreshJob(runner, job);
  });
  const refreshWork = { pollingIntervalSeconds: 1, includeMetadata: true as const, ...backstop };
  await boss.work<RefreshJob>(
    REFRESH_CONNECTION,
    { ...refreshWork, localConcurrency: REFRESH_SLOTS },
    refreshHandler,
  );
  await boss.work<RefreshJob>(
    REFRESH_CONNECTION,
    { ...refreshWork, localConcurrency: INTERACTIVE_REFRESH_SLOTS, minPriority: refreshPriority.interactive },
    refreshHandler,
  );
  await boss.work(
    IMPORT_STATEMENT,
    { pollingIntervalSeconds: 1, includeMetadata: true, ...backstop },
    afterJob(IMPORT_STATEMENT, async (jobs) => {
      const job = jobs[0] as JobWithMetadata<QueuedImportJob> | undefined;
      if (job) await runQueuedImport(engine, job.data, { lastAttempt: job.retryCount >= job.retryLimit });
    }),
  );
  await boss.work(
    SCHEDULE_REFRESHES,
    backstop,
    // Once a minute, idle or not: looking for deferred jobs after each would keep the waker from
    // ever backing off. Its retry has no delay (it is fetched right after the failure), and the
    // refreshes it queues are sent with NOTIFY.
    afterJob(
      SCHEDULE_REFRESHES,
      async () => {
        const queued = await queueDueRefreshes(engine);
        if (queued > 0) logger.info({ queued }, 'queued scheduled refreshes');
        return { queued };
      },
      false,
    ),
  );
  for (const queue of retiredSchedules) await boss.unschedule(queue);
  for (const { queue, cron } of schedules) await boss.schedule(queue, cron);
  await waker.start([PURGE_EXPIRED, REFRESH_CONNECTION, IMPORT_STATEMENT, SCHEDULE_REFRESHES]);
  // A queue stopped some other way (a test's boss.stop) leaves nothing to wake.
  boss.once('stopped', () => waker.stop());
  let dispatcher: WebhookDispatcher | undefined;
  if (options.webhooks !== false) {
    dispatcher = new WebhookDispatcher(
      {
        db: engine.db,
        keyring: engine.keyring,
        logger,
        now: engine.now,
        policy: engine.webhookPolicy,
        formats: engine.webhookFormats,
        registry: engine.registry,
      },
      database,
    );
    await dispatcher.start();
  }
  return {
    async stop() {
      tickers.get(boss)?.stop();
      waker.stop();
      await dispatcher?.stop();
    },
  };
}

/** After the minute turns: late enough that the database clock has turned too. */
const TICK_AFTER_MINUTE_MS = 1000;

/** Sends a job to each of `queues` at the start of every minute (see `everyMinute`). */
class MinuteTicker {
  readonly #boss: PgBoss;
  readonly #logger: Logger;
  readonly #queues: string[];
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;

  constructor(boss: PgBoss, logger: Logger, queues: string[]) {
    this.#boss = boss;
    this.#logger = logger;
    this.#queues = queues;
  }

  start(): void {
    this.#stopped = false;
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #arm(): void {
    if (this.#stopped) return;
    const ms = 60_000 - (Date.now() % 60_000) + TICK_AFTER_MINUTE_MS;
    this.#timer = setTimeout(() => void this.#tick(), ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    try {
      // Whoever sends first in a minute wins its slot; the others' sends are no-ops.
      for (const queue of this.#queues)
        if (!this.#stopped) await this.#boss.sendThrottled(queue, {}, {}, 60, 'minute');
    } catch (error) {
      if (!this.#stopped) this.#logger.warn({ err: error }, 'could not send the jobs of this minute');
    }
    this.#arm();
  }
}

/** The first look after a job ends, once pg-boss has recorded its outcome (and any retry). */
const SETTLE_MS = 100;
/** Looks for deferred jobs quickly after work, then twice as far apart each time, up to the max. */
const FIRST_LOOK_MS = 1000;
const MAX_LOOK_MS = BACKSTOP_POLL_SECONDS * 1000;
/** A job is fetchable once start_after <= now: wake a few ms late rather than a few ms early. */
const DUE_MARGIN_MS = 5;

/**
 * Wakes the workers of deferred jobs when they come due. pg-boss sends NOTIFY only for a job that
 * can run at once; a job sent with `startAfter`, or failed into a retry with a delay, waits for
 * the worker's next poll. Instead of polling every queue each second, the waker asks the database
 * when the next job is due and sets a timer for it. It asks again soon after every job (that job
 * may have deferred one) and then at doubling intervals, up to a minute, which also catches
 * deferred jobs sent from elsewhere (another process, the API) and retries pg-boss's maintenance
 * makes when a job expires.
 */
class JobWaker {
  readonly #boss: PgBoss;
  readonly #db: Kysely<Schema>;
  readonly #logger: Logger;
  readonly #schema: string;
  /** Queue names by the job table pg-boss keeps them in. */
  #tables = new Map<string, string[]>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #nextLookMs = FIRST_LOOK_MS;
  #looking = false;
  #lookAgain = false;
  #stopped = true;

  constructor(boss: PgBoss, db: Kysely<Schema>, logger: Logger, schema: string) {
    this.#boss = boss;
    this.#db = db;
    this.#logger = logger;
    this.#schema = schema;
  }

  async start(queues: string[]): Promise<void> {
    for (const name of queues) {
      const table = (await this.#boss.getQueue(name))?.table ?? 'job';
      this.#tables.set(table, [...(this.#tables.get(table) ?? []), name]);
    }
    this.#stopped = false;
    // Jobs deferred before this process started (a challenge poll, a retry) are due some time.
    this.#arm(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * A job of `queue` ended (in the handler, just before pg-boss records the outcome): its workers
   * fetch again, and unless it `defers` nothing, the waker looks for deferred jobs soon.
   */
  afterJob(queue: string, defers: boolean): void {
    if (this.#stopped) return;
    this.#wake(queue);
    if (!defers) return;
    this.#nextLookMs = FIRST_LOOK_MS;
    this.#arm(SETTLE_MS);
  }

  /** Makes every worker of `queue` fetch now, or right after the job it is running. */
  #wake(queue: string): void {
    for (const worker of this.#boss.getWipData())
      if (worker.name === queue) this.#boss.notifyWorker(worker.id);
  }

  /** Looks in `ms`, unless a look is already due sooner. */
  #arm(ms: number): void {
    if (this.#stopped) return;
    const at = Date.now() + ms;
    if (this.#timer && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => void this.#look(), ms);
    this.#timer.unref();
  }

  async #look(): Promise<void> {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (this.#stopped) return;
    if (this.#looking) {
      this.#lookAgain = true;
      return;
    }
    this.#looking = true;
    let next = this.#nextLookMs;
    this.#nextLookMs = Math.min(this.#nextLookMs * 2, MAX_LOOK_MS);
    try {
      for (const [queue, dueInMs] of await this.#dueIn()) {
        if (dueInMs <= 0) this.#wake(queue);
        else next = Math.min(next, dueInMs + DUE_MARGIN_MS);
      }
    } catch (error) {
      if (!this.#stopped) this.#logger.warn({ err: error }, 'could not look for deferred jobs');
    } finally {
      this.#looking = false;
    }
    if (this.#lookAgain) {
      this.#lookAgain = false;
      next = 0;
    }
    this.#arm(next);
  }

  /** Milliseconds until the next queued job of each queue that has one (<= 0: due now). */
  async #dueIn(): Promise<Array<[string, number]>> {
    const due: Array<[string, number]> = [];
    for (const [table, names] of this.#tables) {
      // The predicate of pg-boss's fetch and of its partial index on queued jobs (job_i11).
      const { rows } = await sql<{ name: string; due_in_ms: string | number }>`
        select name, extract(epoch from min(start_after) - ${sql.id(this.#schema)}.job_now()) * 1000 as due_in_ms
        from ${sql.id(this.#schema, table)}
        where name in (${sql.join(names)}) and state < 'active' and not blocked
        group by name`.execute(this.#db);
      for (const row of rows) due.push([row.name, Number(row.due_in_ms)]);
    }
    return due;
  }
}
