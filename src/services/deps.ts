// What every use case needs (database, keyring, connectors, job sender, logger, clock), passed explicitly.
import type { Kysely } from 'kysely';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import type { JobSender } from '../jobs/sender.ts';
import type { Logger } from '../logger.ts';
import type { MasterKeyring } from '../security/envelope.ts';
import type { IngestOptions } from '../store/records.ts';
import type { Schema } from '../store/schema.ts';
import type { AddressPolicy } from '../webhooks/address-guard.ts';
import type { WebhookFormats } from '../webhooks/formats.ts';

export interface ServiceDeps {
  db: Kysely<Schema>;
  keyring: MasterKeyring;
  registry: ConnectorRegistry;
  jobs: JobSender;
  logger: Logger;
  now(): Date;
  /** How records are written on this engine (store/records.ts ingestOptionsFor). */
  ingest: IngestOptions;
  /** Which webhook URLs may be registered and connected to (webhooks/address-guard.ts). */
  webhookPolicy: AddressPolicy;
  /**
   * The non-native webhook payload formats this process serves (those of the facades TESORO_COMPAT
   * turns on): what an endpoint may register with, and what the dispatcher renders bodies with.
   */
  webhookFormats: WebhookFormats;
  /** The base URL the end user's browser reaches this server at (redirect consents come back to it). */
  publicUrl: string;
}

export const REFRESH_INTERVALS_MS: Record<string, number> = {
  '6h': 6 * 3600_000,
  '12h': 12 * 3600_000,
  '24h': 24 * 3600_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

/** Where a connection's secrets are sealed: the context binds each sealed value to its row. */
export const sealContext = {
  credentials: (connectionId: string) => `connections:${connectionId}:credentials`,
  session: (connectionId: string) => `connections:${connectionId}:session`,
  answers: (refreshId: string) => `refreshes:${refreshId}:answers`,
};
