// What every command needs before it can do anything: the database (migrated), the master
// keyring, the server's keys and the connector registry. serve, worker and the CLI share it.
import type { PgBoss } from 'pg-boss';
import { selectFacades, webhookFormatsOf } from './compat/index.ts';
import type { Config } from './config.ts';
import { type ConnectorRegistry, createRegistry } from './connectors/registry.ts';
import { jobSender } from './jobs/sender.ts';
import type { Logger } from './logger.ts';
import { loadMasterKeyring, type MasterKeyring } from './security/envelope.ts';
import type { ServiceDeps } from './services/deps.ts';
import { KeyStore } from './services/keys.ts';
import { type Database, migrateToLatest, openDatabase } from './store/database.ts';
import { ingestOptionsFor } from './store/records.ts';

/** How often upstream institution catalogs are read again. */
export const CATALOG_REFRESH_MS = 24 * 3600_000;

export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly keyring: MasterKeyring;
  readonly keys: KeyStore;
  readonly registry: ConnectorRegistry;
  /** The migrations this start applied (none when the schema was already current). */
  readonly migrated: readonly string[];
  close(): Promise<void>;
}

export async function openRuntime(config: Config, logger: Logger, command: string): Promise<Runtime> {
  // The connectors' settings are configuration too: a bad one stops the command before anything opens.
  const registry = await createRegistry(config.env);
  if (registry.unavailable.length > 0 && (command.endsWith(' serve') || command.endsWith(' worker')))
    logger.info(
      { connectors: registry.unavailable },
      'connectors not configured (set their variables to offer their institutions)',
    );
  const { keyring, generated, file } = loadMasterKeyring(config.masterKey, config.dataDir);
  // Said by the long-running commands; repeating it on every CLI call would only be noise.
  if (generated && (command.endsWith(' serve') || command.endsWith(' worker'))) {
    logger.warn(
      { file },
      'TESORO_MASTER_KEY is not set: using a key generated into the data directory. Set TESORO_MASTER_KEY (and keep it apart from the database) in production.',
    );
  }
  const database = await openDatabase(config, command);
  try {
    const { applied } = await migrateToLatest(database);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
    const keys = new KeyStore(database.db, keyring);
    await keys.start();
    // Upstream catalogs (Enable Banking's banks) are read again once a day, in every process.
    const catalogs = setInterval(() => {
      registry
        .refreshCatalogs()
        .then(
          (read) => read.length > 0 && logger.info({ connectors: read }, 'institution catalogs read again'),
        )
        .catch((error: unknown) => logger.warn({ err: error }, 'institution catalogs could not be read'));
    }, CATALOG_REFRESH_MS);
    catalogs.unref();
    return {
      config,
      logger,
      database,
      keyring,
      keys,
      registry,
      migrated: applied,
      async close() {
        clearInterval(catalogs);
        keys.stop();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** The extraction engine's dependencies, once the job queue is up. */
export function engineDeps(runtime: Runtime, boss: PgBoss): ServiceDeps {
  return {
    db: runtime.database.db,
    keyring: runtime.keyring,
    registry: runtime.registry,
    jobs: jobSender(boss),
    logger: runtime.logger,
    now: () => new Date(),
    ingest: ingestOptionsFor(runtime.database),
    webhookPolicy: { allowPrivate: runtime.config.allowPrivateWebhooks },
    // The formats of the facades this server serves: a worker renders what the API accepted.
    webhookFormats: webhookFormatsOf(selectFacades(runtime.config.compat)),
    publicUrl: runtime.config.publicUrl,
  };
}
