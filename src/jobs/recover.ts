// After a crash of the only process that can open the embedded database, a refresh it was
// running is left `running`, and a queued import `processing`, with a job nobody works on. The
// next start sends them again; running either twice is safe (records are upserted by
// deterministic id; an import is claimed before it is written). On PostgreSQL other workers may
// still be alive, so there the job's missed heartbeat makes pg-boss retry it instead.
//
// The dead process's refresh jobs are still `active` in pg-boss: its heartbeat monitor (first pass a
// minute after the start) would retry them while the resumed ones run, and each refresh would run
// twice in the process's two worker slots, every other refresh waiting behind them. So before the
// workers start, cancelOrphanedRefreshJobs cancels them (a refresh is claimed by its run anyway:
// refresh-claims.ts); resumeInterruptedRefreshes then sends one job per refresh left running.
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { ServiceDeps } from '../services/deps.ts';
import { resumeInterruptedImports } from '../services/imports/queued-import.ts';
import { priorityOfRefresh, REFRESH_CONNECTION } from './definitions.ts';

/** Everything a crashed embedded process left in flight. */
export async function resumeInterruptedWork(engine: ServiceDeps): Promise<void> {
  await resumeInterruptedRefreshes(engine);
  await resumeInterruptedImports(engine);
}

export async function resumeInterruptedRefreshes(engine: ServiceDeps): Promise<number> {
  const running = await engine.db
    .selectFrom('refreshes')
    .select(['id', 'trigger', 'user_present'])
    .where('status', '=', 'running')
    .execute();
  for (const refresh of running)
    await engine.jobs.send(
      REFRESH_CONNECTION,
      { refreshId: refresh.id },
      { priority: priorityOfRefresh(refresh) },
    );
  if (running.length > 0)
    engine.logger.warn({ refreshes: running.map((r) => r.id) }, 'resumed refreshes interrupted by a crash');
  return running.length;
}

/**
 * Embedded only (one process opens the database): cancels the refresh jobs still `active` from
 * before this process started, which no live worker runs. A refresh left `running` is resumed by
 * resumeInterruptedRefreshes; one still queued, or waiting on the end user (an approval poll was
 * in flight), gets its job again here. Returns the cancelled jobs' ids.
 */
export async function cancelOrphanedRefreshJobs(
  boss: PgBoss,
  engine: ServiceDeps,
  schema: string,
  processStartedAt: Date = new Date(performance.timeOrigin),
): Promise<string[]> {
  const table = (await boss.getQueue(REFRESH_CONNECTION))?.table ?? 'job';
  const { rows } = await sql<{ id: string; refresh_id: string | null }>`
    select id, data->>'refreshId' as refresh_id from ${sql.id(schema, table)}
    where name = ${REFRESH_CONNECTION} and state = 'active' and started_on < ${processStartedAt}`.execute(
    engine.db,
  );
  if (rows.length === 0) return [];
  await boss.cancel(
    REFRESH_CONNECTION,
    rows.map((row) => row.id),
  );
  const ids = [...new Set(rows.flatMap((row) => (row.refresh_id ? [row.refresh_id] : [])))];
  const unfinished =
    ids.length === 0
      ? []
      : await engine.db
          .selectFrom('refreshes')
          .select(['id', 'trigger', 'user_present'])
          .where('id', 'in', ids)
          .where('status', 'in', ['queued', 'waiting_user'])
          .execute();
  for (const refresh of unfinished)
    await engine.jobs.send(
      REFRESH_CONNECTION,
      { refreshId: refresh.id },
      { priority: priorityOfRefresh(refresh) },
    );
  engine.logger.warn({ jobs: rows.length }, 'cancelled refresh jobs of a process that is gone');
  return rows.map((row) => row.id);
}
