// `tesoro worker`: only the job workers, for scaling out beside API replicas on PostgreSQL.

import type http from 'node:http';
import { queueDepthReader } from '../jobs/queue-metrics.ts';
import { resumeInterruptedWork } from '../jobs/recover.ts';
import { startQueue, startWorkers } from '../jobs/workers.ts';
import { observeQueues } from '../observability/metrics.ts';
import { engineDeps, type Runtime } from '../runtime.ts';
import { onShutdown } from './lifecycle.ts';
import { serveWorkerMetrics } from './worker-metrics.ts';

export async function worker(runtime: Runtime): Promise<void> {
  const boss = await startQueue(runtime.database, runtime.logger, true);
  const engine = engineDeps(runtime, boss);
  observeQueues(queueDepthReader(boss, runtime.database));
  const { config } = runtime;
  let dispatcher: Awaited<ReturnType<typeof startWorkers>>;
  let metrics: http.Server | undefined;
  // Registered before the workers start: a job may run (and a signal arrive) while they do.
  onShutdown(runtime.logger, [
    async () => {
      metrics?.close();
    },
    async () => dispatcher?.stop(),
    () => boss.stop({ graceful: true, timeout: 30_000 }),
    () => runtime.close(),
  ]);
  dispatcher = await startWorkers(boss, runtime.database, runtime.logger, engine);
  if (runtime.database.engine === 'pglite') await resumeInterruptedWork(engine);
  if (config.metricsPort !== undefined)
    metrics = await serveWorkerMetrics(config.metricsPort, config.host, config.metricsToken);
  runtime.logger.info(
    { database: runtime.database.engine, metricsPort: config.metricsPort ?? null },
    'worker started',
  );
}
