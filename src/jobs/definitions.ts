// Queue names and their options, in one place.
import type { Queue } from 'pg-boss';

export const PURGE_EXPIRED = 'maintenance.purge-expired';
export const REFRESH_CONNECTION = 'connection.refresh';
export const SCHEDULE_REFRESHES = 'connection.schedule-refreshes';
export const IMPORT_STATEMENT = 'statement.import';

export interface RefreshJob {
  refreshId: string;
}

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
  [SCHEDULE_REFRESHES]: { retryLimit: 1, expireInSeconds: 120, notify: true },
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

/** Cron schedules (UTC) of the recurring jobs. */
export const schedules: Array<{ queue: string; cron: string }> = [
  { queue: PURGE_EXPIRED, cron: '*/15 * * * *' },
  { queue: SCHEDULE_REFRESHES, cron: '* * * * *' },
];
