// The job of a refresh: claim it (refresh-claims.ts), run it in a lane of the process's fair share
// (fair-share.ts), let it go. A job that finds its refresh claimed by another run is sent again a
// little later, not dropped: the run holding it may be about to stop at a challenge that this job's
// answer completes. A claim held longer than a run may last (pg-boss fails a job after
// `expireInSeconds`) is taken to be lost, and the refresh is run anyway.
import type { Logger } from '../logger.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { runRefresh } from '../services/refresh/run-refresh.ts';
import { CLAIM_RETRY_SECONDS, queueDefinitions, REFRESH_CONNECTION, type RefreshJob } from './definitions.ts';
import { type FairShare, pacedEngine } from './fair-share.ts';
import type { RefreshClaims } from './refresh-claims.ts';

export interface RefreshRunner {
  engine: ServiceDeps;
  claims: RefreshClaims;
  share: FairShare;
  logger: Logger;
}

/** The longest a job keeps looking again for a claimed refresh. */
const MAX_CLAIM_WAIT_SECONDS = queueDefinitions[REFRESH_CONNECTION]!.expireInSeconds ?? 3600;
const MAX_CLAIM_RETRY_SECONDS = 60;

/** The delay before the `waits`-th look again: 5 s, 10 s, 20 s, 40 s, then every minute. */
export const claimRetryDelay = (waits: number) =>
  Math.min(CLAIM_RETRY_SECONDS * 2 ** Math.max(0, waits - 1), MAX_CLAIM_RETRY_SECONDS);

export async function runRefreshJob(
  runner: RefreshRunner,
  job: { data: RefreshJob; priority: number },
): Promise<void> {
  const { engine, claims, share, logger } = runner;
  const { refreshId } = job.data;
  const release = await claims.claim(refreshId);
  if (!release) {
    const waits = (job.data.claimWaits ?? 0) + 1;
    let waited = 0;
    for (let i = 1; i < waits; i++) waited += claimRetryDelay(i);
    if (waited < MAX_CLAIM_WAIT_SECONDS) {
      const delay = claimRetryDelay(waits);
      await engine.jobs.send(REFRESH_CONNECTION, { refreshId, claimWaits: waits } satisfies RefreshJob, {
        startAfterSeconds: delay,
        priority: job.priority,
      });
      logger.info(
        { refresh: refreshId, retryInSeconds: delay },
        'refresh is being run by another job; looking again later',
      );
      return;
    }
    logger.warn(
      { refresh: refreshId, waitedSeconds: waited },
      'refresh claimed for longer than a run may last; running it',
    );
  }
  const lane = share.enter(job.priority);
  try {
    await runRefresh(pacedEngine(engine, share, lane), refreshId);
  } finally {
    share.leave(lane);
    await release?.();
    if (lane.yields > 0)
      logger.debug(
        { refresh: refreshId, statements: lane.yields, waitedMs: Math.round(lane.waitedMs) },
        'gave way to younger refreshes',
      );
  }
}
