// `tesoro serve` (what `npm start` runs): API + job workers + the database, in one process.
import { buildApp } from '../app.ts';
import { isLoopbackHost } from '../config.ts';
import { queueDepthReader } from '../jobs/queue-metrics.ts';
import { resumeInterruptedWork } from '../jobs/recover.ts';
import { startQueue, startWorkers } from '../jobs/workers.ts';
import { observeQueues } from '../observability/metrics.ts';
import { engineDeps, type Runtime } from '../runtime.ts';
import { ensureDevClient } from './dev-client.ts';
import { onShutdown } from './lifecycle.ts';

export async function serve(runtime: Runtime): Promise<void> {
  const { config, logger, database } = runtime;
  const boss = await startQueue(database, logger, config.runWorkers);
  const engine = engineDeps(runtime, boss);
  observeQueues(queueDepthReader(boss, database));
  let dispatcher: Awaited<ReturnType<typeof startWorkers>>;
  if (config.runWorkers) {
    dispatcher = await startWorkers(boss, database, logger, engine);
    if (database.engine === 'pglite') await resumeInterruptedWork(engine);
  }
  const app = await buildApp({
    engine,
    database,
    keys: runtime.keys,
    registry: runtime.registry,
    logger,
    publicUrl: config.publicUrl,
    rateLimitPerMinute: config.rateLimitPerMinute,
    compat: config.compat,
    env: config.env,
    authFailuresPerMinute: config.authFailuresPerMinute,
    trustProxy: config.trustProxy,
    metricsToken: config.metricsToken,
  });
  if (config.allowPrivateWebhooks && !isLoopbackHost(config.host))
    logger.warn(
      { host: config.host },
      "TESORO_ALLOW_PRIVATE_WEBHOOKS=1 on a reachable interface: any client can have webhooks sent to this machine's loopback services. Use it for development only.",
    );
  onShutdown(logger, [
    () => app.close(),
    async () => dispatcher?.stop(),
    () => boss.stop({ graceful: true, timeout: 10_000 }),
    () => runtime.close(),
  ]);

  const devClient = await ensureDevClient(runtime);
  await app.listen({ port: config.port, host: config.host });
  const where = database.engine === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL';
  process.stdout.write(`\nTesoro is listening on ${config.publicUrl} (${where}).\n`);
  process.stdout.write(`API reference: ${config.publicUrl}/docs\n`);
  if (devClient) {
    // Printed once, never logged; the same values are in the file (mode 600).
    process.stdout.write(
      `\nA development client was created (shown once; also saved to ${devClient.file}):\n` +
        `  client_id:     ${devClient.clientId}\n  client_secret: ${devClient.clientSecret}\n\n` +
        `  curl -s -X POST ${config.publicUrl}/v1/oauth/token -d grant_type=client_credentials \\\n` +
        `    -d client_id=${devClient.clientId} -d client_secret=<client_secret>\n\n`,
    );
  }
}
