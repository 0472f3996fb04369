// After a crash of the only process that can open the embedded database, a refresh it was
// running is left `running` with a job nobody works on. The next start sends that refresh again;
// running it twice is safe (records are upserted by deterministic id). On PostgreSQL other workers
// may still be alive, so there the job's missed heartbeat makes pg-boss retry it instead.
import type { EngineDeps } from '../services/engine.ts';
import { REFRESH_CONNECTION } from './queues.ts';

export async function resumeInterruptedRefreshes(engine: EngineDeps): Promise<number> {
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
