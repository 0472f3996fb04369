// Refreshes of one process share its database and its event loop: on PGlite every statement of
// every caller runs one after another in this thread, and on PostgreSQL the rows a refresh hashes
// and encodes are this thread's CPU too. Left alone, a 300,000-transaction extraction and a new end
// user's 420-transaction first load take statements in turns, and the small one, which has a
// person waiting on it, takes five times as long. So a refresh that has run for a while gives way:
// before each of its statements (and each bulk insert) it waits while a refresh that started less
// than YOUNG_MS ago, and whose priority is no lower, runs in this process. A young refresh never
// waits, so it runs about as fast as on an idle server; the long one waits at most MAX_WAIT_MS at a
// time (it keeps moving even under a steady stream of new refreshes) and never inside a
// transaction (the pacing goes around `transaction()` and `connection()`, where waiting would hold
// the embedded database's only connection). Processes do not coordinate: across processes the
// database serves its sessions side by side.
import type {
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import type { ServiceDeps } from '../services/deps.ts';
import type { Schema } from '../store/schema.ts';

/** How long a refresh counts as young: the others give way to it until then. */
export const YOUNG_MS = 2000;
/** The longest a refresh waits before one statement. */
export const MAX_WAIT_MS = 1000;

export interface Lane {
  readonly priority: number;
  readonly startedAt: number;
  /** How many statements it waited before, and for how long in all. */
  yields: number;
  waitedMs: number;
}

export interface FairShareOptions {
  now?: () => number;
  youngMs?: number;
  maxWaitMs?: number;
}

export class FairShare {
  readonly #lanes = new Set<Lane>();
  readonly #waiters = new Set<() => void>();
  readonly #now: () => number;
  readonly #youngMs: number;
  readonly #maxWaitMs: number;

  constructor(options: FairShareOptions = {}) {
    this.#now = options.now ?? (() => performance.now());
    this.#youngMs = options.youngMs ?? YOUNG_MS;
    this.#maxWaitMs = options.maxWaitMs ?? MAX_WAIT_MS;
  }

  /** A refresh starts running here, with its job's priority. */
  enter(priority: number): Lane {
    const lane: Lane = { priority, startedAt: this.#now(), yields: 0, waitedMs: 0 };
    this.#lanes.add(lane);
    return lane;
  }

  /** The refresh ended: the ones waiting on it go on. */
  leave(lane: Lane): void {
    this.#lanes.delete(lane);
    for (const wake of [...this.#waiters]) wake();
  }

  /**
   * Until when (on this share's clock) `lane` gives way: the moment the last young refresh it
   * gives way to stops being young, or null when it goes on now.
   */
  givesWayUntil(lane: Lane): number | null {
    const now = this.#now();
    if (now - lane.startedAt < this.#youngMs) return null;
    let until: number | null = null;
    for (const other of this.#lanes) {
      if (other === lane || other.priority < lane.priority) continue;
      const young = other.startedAt + this.#youngMs;
      if (young > now) until = Math.max(until ?? young, young);
    }
    return until;
  }

  /** Resolves when `lane` may run its next statement. */
  async pace(lane: Lane): Promise<void> {
    const start = this.#now();
    const deadline = start + this.#maxWaitMs;
    let waited = false;
    for (;;) {
      const until = this.givesWayUntil(lane);
      const ms = until === null ? 0 : Math.min(until, deadline) - this.#now();
      if (ms <= 0) break;
      waited = true;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.ceil(ms));
        this.#waiters.add(wake);
      });
    }
    if (waited) {
      lane.yields++;
      lane.waitedMs += this.#now() - start;
    }
  }
}

/** Waits for `pace` after every statement's result (the connection is released by then). */
class PacePlugin implements KyselyPlugin {
  readonly #pace: () => Promise<void>;

  constructor(pace: () => Promise<void>) {
    this.#pace = pace;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    await this.#pace();
    return args.result;
  }
}

/** Members of Kysely that hold a connection across statements: they go to the unpaced database. */
const holdsConnection = new Set<PropertyKey>(['transaction', 'startTransaction', 'connection']);

/**
 * `db` whose statements outside transactions wait for `pace` once they have run. Transactions and
 * pinned connections are the unpaced database's: a wait inside one would keep the embedded
 * database's only connection from the refresh being waited for.
 */
export function pacedDb(db: Kysely<Schema>, pace: () => Promise<void>): Kysely<Schema> {
  const paced = db.withPlugin(new PacePlugin(pace));
  return new Proxy(paced, {
    get(target, property) {
      const source = holdsConnection.has(property) ? db : target;
      const value = Reflect.get(source, property, source);
      return typeof value === 'function' ? value.bind(source) : value;
    },
  });
}

/** The engine's dependencies for one refresh run in `lane`: its statements and bulk inserts paced. */
export function pacedEngine(engine: ServiceDeps, share: FairShare, lane: Lane): ServiceDeps {
  const pace = () => share.pace(lane);
  const { bulkInsert } = engine.ingest;
  return {
    ...engine,
    db: pacedDb(engine.db, pace),
    ingest: {
      ...engine.ingest,
      bulkInsert: async (table, columns, rows) => {
        await pace();
        return bulkInsert(table, columns, rows);
      },
    },
  };
}
