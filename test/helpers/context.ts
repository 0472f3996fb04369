// buildTestContext: the real application (real database, real keys, real routes) for one test
// file, plus helpers to make clients and tokens. Requests go through app.inject.
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { PgBoss } from 'pg-boss';
import { buildApp } from '../../src/app.ts';
import { facades, webhookFormatsOf } from '../../src/compat/index.ts';
import { type ConnectorRegistry, defaultRegistry } from '../../src/connectors/registry.ts';
import type { Scope } from '../../src/domain/scopes.ts';
import { queueDepthReader } from '../../src/jobs/queue-metrics.ts';
import { jobSender } from '../../src/jobs/sender.ts';
import { startQueue, startWorkers } from '../../src/jobs/workers.ts';
import { createLogger } from '../../src/logger.ts';
import { observeQueues } from '../../src/observability/metrics.ts';
import {
  generateMasterKeyText,
  type MasterKeyring,
  parseMasterKeyring,
} from '../../src/security/envelope.ts';
import { createClient } from '../../src/services/clients.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { KeyStore } from '../../src/services/keys.ts';
import { issueAccessToken } from '../../src/services/tokens.ts';
import { ingestOptionsFor } from '../../src/store/records.ts';
import type { WebhookFormats } from '../../src/webhooks/formats.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export const TEST_ISSUER = 'http://tesoro.test';

export interface TestClient {
  id: string;
  secret: string;
}

export interface TestContext {
  app: FastifyInstance;
  engine: ServiceDeps;
  boss: PgBoss;
  database: TestDatabase;
  keys: KeyStore;
  keyring: MasterKeyring;
  /** Every log line the app wrote, as parsed JSON. */
  logs: Array<Record<string, unknown>>;
  /** Raw log text, for "this secret never appears" checks. */
  logText(): string;
  createClient(scopes?: Scope[]): Promise<TestClient>;
  tokenFor(client: TestClient, scopes?: Scope[]): Promise<string>;
  /** app.inject with a bearer token. */
  call(token: string, options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function buildTestContext(
  options: {
    extraRoutes?: (app: FastifyInstance) => void;
    rateLimitPerMinute?: number;
    authFailuresPerMinute?: number;
    trustProxy?: boolean;
    allDataMaxRecords?: number;
    /** The server's public URL (token issuer, redirect-consent callbacks); default TEST_ISSUER. */
    publicUrl?: string;
    /** The connectors; default the sandbox and statement files. */
    registry?: ConnectorRegistry;
    /** false: no background webhook dispatcher (a test drives deliverDue with its own clock). */
    webhooks?: boolean;
    /** How long a refresh counts as young for the fair share (default YOUNG_MS). */
    youngRefreshMs?: number;
    /** The webhook payload formats served; default those of every facade (the app serves them all). */
    webhookFormats?: WebhookFormats;
    /** TESORO_METRICS_TOKEN: /metrics then needs it as a bearer token. */
    metricsToken?: string;
  } = {},
): Promise<TestContext> {
  const database = await createTestDatabase();
  const keyring = parseMasterKeyring(generateMasterKeyText());
  const keys = new KeyStore(database.db, keyring);
  await keys.start();
  let text = '';
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      text += chunk.toString();
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      callback();
    },
  });
  const logger = createLogger('debug', sink);
  // The real queue and workers: refreshes run as they do in the server (cron schedules off).
  const boss = await startQueue(database, logger, false);
  observeQueues(queueDepthReader(boss, database));
  const engine: ServiceDeps = {
    db: database.db,
    keyring,
    registry: options.registry ?? defaultRegistry(),
    jobs: jobSender(boss),
    logger,
    now: () => new Date(),
    ingest: ingestOptionsFor(database),
    // Receivers in tests listen on loopback.
    webhookPolicy: { allowPrivate: true },
    webhookFormats: options.webhookFormats ?? webhookFormatsOf(facades),
    publicUrl: options.publicUrl ?? TEST_ISSUER,
  };
  const dispatcher = await startWorkers(boss, database, logger, engine, {
    webhooks: options.webhooks ?? true,
    youngRefreshMs: options.youngRefreshMs,
  });
  const app = await buildApp({
    engine,
    database,
    keys,
    registry: engine.registry,
    logger,
    publicUrl: options.publicUrl ?? TEST_ISSUER,
    rateLimitPerMinute: options.rateLimitPerMinute,
    authFailuresPerMinute: options.authFailuresPerMinute,
    trustProxy: options.trustProxy,
    allDataMaxRecords: options.allDataMaxRecords,
    metricsToken: options.metricsToken,
  });
  options.extraRoutes?.(app);
  return {
    app,
    engine,
    boss,
    database,
    keys,
    keyring,
    logs,
    logText: () => text,
    async createClient(scopes) {
      const { client, clientSecret } = await createClient(database.db, { name: 'test client', scopes });
      return { id: client.id, secret: clientSecret };
    },
    async tokenFor(client, scopes) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/oauth/token',
        payload: {
          grant_type: 'client_credentials',
          client_id: client.id,
          client_secret: client.secret,
          ...(scopes ? { scope: scopes.join(' ') } : {}),
        },
      });
      if (response.statusCode !== 200) throw new Error(`token request failed: ${response.body}`);
      return response.json().access_token as string;
    },
    call(token, options) {
      return app.inject({ ...options, headers: { ...options.headers, authorization: `Bearer ${token}` } });
    },
    async close() {
      observeQueues(undefined);
      await app.close();
      await dispatcher?.stop();
      await boss.stop({ graceful: false, timeout: 2000 });
      keys.stop();
      await database.close();
    },
  };
}

export { issueAccessToken };
