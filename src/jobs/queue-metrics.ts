// The job queue's backlog for /metrics, read from pg-boss's own tables when a scrape asks: jobs
// ready to run, deferred, running, and how long the oldest ready one has waited. Read from the
// database, the figures are the cluster's, whichever process is scraped.
import { type Kysely, sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { QueueDepth } from '../observability/metrics.ts';
import type { Database } from '../store/database.ts';
import type { Schema } from '../store/schema.ts';
import { queueDefinitions } from './definitions.ts';

/** A reader of every Tesoro queue's depth (queues grouped by the job table pg-boss keeps them in). */
export function queueDepthReader(boss: PgBoss, database: Database): () => Promise<QueueDepth[]> {
  const schema = database.bossOptions.schema ?? 'pgboss';
  let tables: Promise<Map<string, string[]>> | undefined;
  const tablesOf = async () => {
    const byTable = new Map<string, string[]>();
    for (const name of Object.keys(queueDefinitions)) {
      const table = (await boss.getQueue(name))?.table ?? 'job';
      byTable.set(table, [...(byTable.get(table) ?? []), name]);
    }
    return byTable;
  };
  return async () => {
    tables ??= tablesOf();
    const depths = new Map<string, QueueDepth>(
      Object.keys(queueDefinitions).map((queue) => [
        queue,
        { queue, ready: 0, deferred: 0, active: 0, oldestReadySeconds: 0 },
      ]),
    );
    for (const [table, names] of await tables) {
      for (const row of await depthRows(database.db, schema, table, names)) {
        depths.set(row.name, {
          queue: row.name,
          ready: Number(row.ready),
          deferred: Number(row.deferred),
          active: Number(row.active),
          oldestReadySeconds: Math.max(0, Number(row.oldest_ready_seconds ?? 0)),
        });
      }
    }
    return [...depths.values()];
  };
}

async function depthRows(db: Kysely<Schema>, schema: string, table: string, names: string[]) {
  // States before 'active' are 'created' and 'retry': waiting, ready once start_after has passed.
  const now = sql`${sql.id(schema)}.job_now()`;
  const { rows } = await sql<{
    name: string;
    ready: string | number;
    deferred: string | number;
    active: string | number;
    oldest_ready_seconds: string | number | null;
  }>`
    select name,
      count(*) filter (where state < 'active' and start_after <= ${now}) as ready,
      count(*) filter (where state < 'active' and start_after > ${now}) as deferred,
      count(*) filter (where state = 'active') as active,
      extract(epoch from ${now} - min(created_on) filter (where state < 'active' and start_after <= ${now}))
        as oldest_ready_seconds
    from ${sql.id(schema, table)}
    where name in (${sql.join(names)}) and state <= 'active'
    group by name`.execute(db);
  return rows;
}
