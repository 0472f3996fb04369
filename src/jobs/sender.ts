// Sends jobs, inside the caller's database transaction when it has one, so a job exists exactly
// when the rows it follows were committed.
import type { Transaction } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import type { Schema } from '../store/schema.ts';

export interface SendOptions {
  startAfterSeconds?: number;
  trx?: Transaction<Schema>;
  /** Fetched before jobs of a lower priority (definitions.ts refreshPriority). */
  priority?: number;
}

export interface JobSender {
  send(queue: string, data: object, options?: SendOptions): Promise<void>;
  /**
   * Many jobs of one queue in one statement (the scheduler's batches). Optional: without it the
   * caller sends them one by one.
   */
  sendMany?(
    queue: string,
    jobs: ReadonlyArray<{ data: object; priority?: number }>,
    options?: { trx?: Transaction<Schema> },
  ): Promise<void>;
}

export function jobSender(boss: PgBoss): JobSender {
  return {
    async send(queue, data, options = {}) {
      await boss.send(queue, data, {
        ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
        ...(options.priority ? { priority: options.priority } : {}),
        ...(options.trx ? { db: fromKysely(options.trx) } : {}),
      });
    },
    async sendMany(queue, jobs, options = {}) {
      if (jobs.length === 0) return;
      // The queue's retry, expiry and heartbeat apply as with send() (the insert reads them).
      await boss.insert(
        queue,
        jobs.map((job) => ({
          data: job.data,
          ...(job.priority ? { priority: job.priority } : {}),
        })),
        options.trx ? { db: fromKysely(options.trx) } : {},
      );
    },
  };
}
