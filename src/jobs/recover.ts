// After a crash of the only process that can open the embedded database, a refresh it was
// running is left `running`, and a queued import `processing`, with a job nobody works on. The
// next start sends them again; running either twice is safe (records are upserted by
// deterministic id; an import is claimed before it is written). On PostgreSQL other workers may
// still be alive, so there the job's missed heartbeat makes pg-boss retry it instead.
import type { ServiceDeps } from '../services/deps.ts';
import { resumeInterruptedImports } from '../services/imports/queued-import.ts';
import { REFRESH_CONNECTION } from './definitions.ts';

/** Everything a crashed embedded process left in flight. */
export async function resumeInterruptedWork(engine: ServiceDeps): Promise<void> {
  await resumeInterruptedRefreshes(engine);
  await resumeInterruptedImports(engine);
}

export async function resumeInterruptedRefreshes(engine: ServiceDeps): Promise<number> {
  const running = await engine.db
    .selectFrom('refreshes')
    .select('id')
    .where('status', '=', 'running')
    .execute();
  for (const { id } of running) await engine.jobs.send(REFRESH_CONNECTION, { refreshId: id });
  if (running.length > 0)
    engine.logger.warn({ refreshes: running.map((r) => r.id) }, 'resumed refreshes interrupted by a crash');
  return running.length;
}
