// Queue names and their options, in one place.
import type { Queue } from 'pg-boss';

export const PURGE_EXPIRED = 'maintenance.purge-expired';

export const queueDefinitions: Record<string, Omit<Queue, 'name'>> = {
  [PURGE_EXPIRED]: { retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 300, notify: true },
};

/** Cron schedules (UTC) of the recurring jobs. */
export const schedules: Array<{ queue: string; cron: string }> = [
  { queue: PURGE_EXPIRED, cron: '*/15 * * * *' },
];
