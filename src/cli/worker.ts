// `tesoro worker`: only the job workers, for scaling out beside API replicas on PostgreSQL.
import { startQueue, startWorkers } from '../jobs/queue.ts';
import { engineDeps, type Runtime } from '../runtime.ts';
import { onShutdown } from './lifecycle.ts';

export async function worker(runtime: Runtime): Promise<void> {
  const boss = await startQueue(runtime.database, runtime.logger, true);
  await startWorkers(boss, runtime.database, runtime.logger, engineDeps(runtime, boss));
  onShutdown(runtime.logger, [() => boss.stop({ graceful: true, timeout: 30_000 }), () => runtime.close()]);
  runtime.logger.info({ database: runtime.database.engine }, 'worker started');
}
