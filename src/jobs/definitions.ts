// Queue names and their options, in one place.
import type { Queue } from 'pg-boss';

export const PURGE_EXPIRED = 'maintenance.purge-expired';
export const REFRESH_CONNECTION = 'connection.refresh';
export const SCHEDULE_REFRESHES = 'connection.schedule-refreshes';
export const IMPORT_STATEMENT = 'statement.import';

/** pg-boss's own queue that the cron pass hands each occurrence of a schedule to. */
export const CRON_QUEUE = '__pgboss__send-it';

/**
 * How often an idle worker polls when nothing woke it. Every queue has `notify`, so a job that can
 * run at once wakes its workers by NOTIFY, and workers.ts's JobWaker wakes them when a deferred job
 * comes due: this poll is only a backstop (a notification lost while a connection was down).
 */
export const BACKSTOP_POLL_SECONDS = 60;

/**
 * How often pg-boss resolves flows (jobs that wait on other jobs, its default is every 5 s). Tesoro
 * sends no flows, so this only bounds the cost of a pass that finds nothing.
 */
export const FLOW_INTERVAL_SECONDS = 300;

export interface RefreshJob {
  refreshId: string;
  /**
   * How many times this refresh's job found it claimed by another run and was sent again for
   * later (refresh-claims.ts): a job never runs a refresh another job is running.
   */
  claimWaits?: number;
}

/**
 * Job priorities of refreshes (pg-boss fetches the highest first, then the oldest). Someone waits
 * on a first load, on new credentials and on anything the end user is present for (the Connect
 * page, a challenge answer, an approval in the bank's app); a client asked for a manual refresh or
 * an enable; nobody waits on a scheduled one. A worker slot in each process is kept for
 * `interactive` refreshes (workers.ts), so they never queue behind scheduled ones.
 */
export const refreshPriority = { scheduled: 0, requested: 10, interactive: 20 } as const;

/** The priority of a refresh's job, from what started it and whether the end user is there. */
export function priorityOfRefresh(refresh: { trigger: string; user_present?: unknown }): number {
  if (refresh.user_present) return refreshPriority.interactive;
  if (refresh.trigger === 'initial' || refresh.trigger === 'credentials_update')
    return refreshPriority.interactive;
  return refresh.trigger === 'scheduled' ? refreshPriority.scheduled : refreshPriority.requested;
}

/** Refresh jobs each process runs at once: any priority, and only `interactive` ones. */
export const REFRESH_SLOTS = 2;
export const INTERACTIVE_REFRESH_SLOTS = 1;

/** A job that finds its refresh claimed by another run is sent again this much later. */
export const CLAIM_RETRY_SECONDS = 5;

export const queueDefinitions: Record<string, Omit<Queue, 'name'>> = {
  [PURGE_EXPIRED]: { retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 300, notify: true },
  // A worker that dies mid-refresh stops heartbeating; the job is then retried, and the refresh
  // resumes idempotently (records are upserted by deterministic id).
  [REFRESH_CONNECTION]: {
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    heartbeatSeconds: 10,
    expireInSeconds: 3600,
    notify: true,
  },
  // One job a minute: a day of them is history enough (the default keeps a week, 10,080 rows).
  [SCHEDULE_REFRESHES]: { retryLimit: 1, expireInSeconds: 120, deleteAfterSeconds: 86_400, notify: true },
  // A queued import is all-or-nothing in one transaction: a retry after a crash starts it again.
  // A worker that dies stops heartbeating, and the job is retried then rather than after an hour.
  [IMPORT_STATEMENT]: {
    retryLimit: 3,
    retryDelay: 5,
    heartbeatSeconds: 30,
    expireInSeconds: 3600,
    notify: true,
  },
};

/**
 * Cron schedules (UTC) of the recurring jobs, fired by pg-boss's cron pass. The pass runs every
 * 30 s and sends what came due in the last minute, so a job starts up to 30 s after its time.
 */
export const schedules: Array<{ queue: string; cron: string }> = [
  { queue: PURGE_EXPIRED, cron: '*/15 * * * *' },
];

/**
 * Queues sent a job at the start of every minute by workers.ts's own timer, so it starts on time
 * rather than up to 30 s late: one job a minute however many processes send it (a throttle slot
 * of 60 s on the database clock). A process that is down over a minute sends nothing for it, as
 * with cron; queueing due refreshes catches up on everything due by then.
 */
export const everyMinute: string[] = [SCHEDULE_REFRESHES];

/** Schedules earlier releases kept in pg-boss (now in `everyMinute`), removed at start. */
export const retiredSchedules: string[] = [SCHEDULE_REFRESHES];
