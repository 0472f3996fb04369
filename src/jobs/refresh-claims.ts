// A refresh is run by one job at a time. Two jobs can name the same refresh: the job of a process
// that died is retried by pg-boss once its heartbeat is missed (on PGlite, while the next start's
// resumed job is already running it), a live worker can miss its heartbeat and see its job retried
// elsewhere, and a challenge answer or an approval poll sends one more. Running both would store
// every record twice over and hold two worker slots: the end users behind them wait. So a run
// claims its refresh first: in this process (a set of the refreshes running here) and, on
// PostgreSQL, across processes with a session advisory lock held for the whole run on a connection
// of its own. The lock goes with the session, so a process that dies (or whose host vanishes: the
// server's keepalives find it in about 25 s) frees it, and the job pg-boss retries can claim it.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../store/database.ts';
import { INTERACTIVE_REFRESH_SLOTS, REFRESH_SLOTS } from './definitions.ts';

/** Lets the refresh go (resolves once the lock is released). */
export type Release = () => Promise<void>;

export interface RefreshClaims {
  /** Claims `refreshId` for this run, or null while another run (here or elsewhere) has it. */
  claim(refreshId: string): Promise<Release | null>;
  /** Closes the lock connections (once the queue has stopped: runs in flight still unlock). */
  close(): Promise<void>;
}

/** The advisory lock of a refresh: 64 bits of SHA-256 of its id (a collision only delays a run). */
export function refreshLockKey(refreshId: string): string {
  return createHash('sha256').update(`tesoro.refresh:${refreshId}`).digest().readBigInt64BE(0).toString();
}

export function refreshClaims(database: Pick<Database, 'engine' | 'bossOptions'>): RefreshClaims {
  const here = new Set<string>();
  // PGlite is opened by one process only (the data directory is locked): the set is the claim.
  const url = database.engine === 'postgres' ? database.bossOptions.connectionString : undefined;
  const pool = url
    ? new pg.Pool({
        connectionString: url,
        max: REFRESH_SLOTS + INTERACTIVE_REFRESH_SLOTS,
        application_name: 'tesoro-claims',
        idleTimeoutMillis: 300_000,
        // An idle lock connection never keeps a stopping process alive.
        allowExitOnIdle: true,
        // The session holds the lock: the server drops it (and the lock) soon after this host goes.
        options: '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3',
      })
    : undefined;
  pool?.on('error', () => {});
  let closed: Promise<void> | undefined;

  async function lockAcross(key: string): Promise<Release | null> {
    if (!pool) return async () => {};
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'select pg_try_advisory_lock($1::bigint) as locked',
        [key],
      );
      if (!rows[0]?.locked) {
        client.release();
        return null;
      }
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    return async () => {
      try {
        await client.query('select pg_advisory_unlock($1::bigint)', [key]);
        client.release();
      } catch (error) {
        // The session is gone, and its lock with it.
        client.release(error as Error);
      }
    };
  }

  return {
    async claim(refreshId) {
      if (here.has(refreshId)) return null;
      here.add(refreshId);
      try {
        const unlock = await lockAcross(refreshLockKey(refreshId));
        if (!unlock) {
          here.delete(refreshId);
          return null;
        }
        return async () => {
          try {
            await unlock();
          } finally {
            here.delete(refreshId);
          }
        };
      } catch (error) {
        here.delete(refreshId);
        throw error;
      }
    },
    close() {
      // Once only; runs still in flight unlock and release their connection first.
      closed ??= pool?.end() ?? Promise.resolve();
      return closed;
    },
  };
}
