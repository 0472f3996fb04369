// Graceful shutdown: the first SIGINT/SIGTERM stops intake and closes everything in order (HTTP,
// workers, database: PGlite flushes and the lock is released); a second signal exits at once.
import type { Logger } from '../logger.ts';

export function onShutdown(logger: Logger, steps: Array<() => Promise<void>>): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without cleanup');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    let code = 0;
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        code = 1;
        logger.error({ err: error }, 'error during shutdown');
      }
    }
    logger.info('stopped');
    process.exit(code);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
