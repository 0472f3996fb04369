// `tesoro worker`: only the job workers, for scaling out beside API replicas on PostgreSQL.

import { resumeInterruptedWork } from '../jobs/recover.ts';
import { startQueue, startWorkers } from '../jobs/workers.ts';
import { engineDeps, type Runtime } from '../runtime.ts';
import { onShutdown } from './lifecycle.ts';

export async function worker(runtime: Runtime): Promise<void> {
  const boss = await startQueue(runtime.database, runtime.logger, true);
  const engine = engineDeps(runtime, boss);
  let dispatcher: Awaited<ReturnType<typeof startWorkers>>;
  // Registered before the workers start: a job may run (and a signal arrive) while they do.
  onShutdown(runtime.logger, [
    async () => dispatcher?.stop(),
    () => boss.stop({ graceful: true, timeout: 30_000 }),
    () => runtime.close(),
  ]);
  dispatcher = await startWorkers(boss, runtime.database, runtime.logger, engine);
  if (runtime.database.engine === 'pglite') await resumeInterruptedWork(engine);
  runtime.logger.info({ database: runtime.database.engine }, 'worker started');
}
