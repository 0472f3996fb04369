// Sends jobs, inside the caller's database transaction when it has one, so a job exists exactly
// when the rows it follows were committed.
import type { Transaction } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import type { Schema } from '../store/schema.ts';

export interface JobSender {
  send(
    queue: string,
    data: object,
    options?: { startAfterSeconds?: number; trx?: Transaction<Schema> },
  ): Promise<void>;
}

export function jobSender(boss: PgBoss): JobSender {
  return {
    async send(queue, data, options = {}) {
      await boss.send(queue, data, {
        ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
        ...(options.trx ? { db: fromKysely(options.trx) } : {}),
      });
    },
  };
}
