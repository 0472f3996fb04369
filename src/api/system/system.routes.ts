// Liveness, readiness, version, metrics and the public key set. None of these need a client's
// token; /metrics needs TESORO_METRICS_TOKEN when one is set.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../domain/errors.ts';
import { metricsAccess, metricsContentType, renderMetrics } from '../../observability/metrics.ts';
import type { KeyStore } from '../../services/keys.ts';
import { appliedSchema, type Database, pendingMigrations } from '../../store/database.ts';
import { buildInfo } from '../../version.ts';
import { problemResponses } from '../common.schemas.ts';
import { HealthResponse, JwksResponse, ReadyResponse, VersionResponse } from './system.schemas.ts';

export const systemRoutes: FastifyPluginAsyncTypebox<{
  database: Database;
  keys: KeyStore;
  /** When set, /metrics answers only `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
}> = async (app, deps) => {
  const build = buildInfo(deps.env ?? {});
  const mayReadMetrics = metricsAccess(deps.metricsToken);

  app.get(
    '/version',
    {
      logLevel: 'warn',
      schema: {
        tags: ['System'],
        summary: 'What is running',
        description:
          'The release, the commit it was built from, the Node.js version and the database schema.',
        response: { 200: VersionResponse },
      },
    },
    async () => ({ ...build, database: deps.database.engine, schema: await appliedSchema(deps.database) }),
  );

  app.get(
    '/metrics',
    {
      logLevel: 'warn',
      schema: {
        tags: ['System'],
        summary: 'Prometheus metrics',
        description:
          'The process and its work in the Prometheus text format: HTTP requests by route, refreshes by connector and outcome, the job queue, webhook attempts, imports (docs/operations.md). With TESORO_METRICS_TOKEN set, send it as a bearer token.',
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4',
            content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } },
          },
          ...problemResponses(401),
        },
      },
    },
    async (request, reply) => {
      const sent = request.headers.authorization;
      if (!mayReadMetrics(sent)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw new AppError(
          sent ? 'AUTH_TOKEN_INVALID' : 'AUTH_TOKEN_MISSING',
          'The metrics need Authorization: Bearer <TESORO_METRICS_TOKEN>.',
        );
      }
      reply.header('content-type', metricsContentType).header('cache-control', 'no-store');
      return renderMetrics();
    },
  );

  app.get(
    '/health',
    {
      logLevel: 'warn',
      schema: {
        tags: ['System'],
        summary: 'Liveness',
        description: 'Answers 200 while the process is up.',
        response: { 200: HealthResponse },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      logLevel: 'warn',
      schema: {
        tags: ['System'],
        summary: 'Readiness',
        description:
          'Answers 200 when the database is reachable and every migration is applied; 503 otherwise.',
        response: {
          200: ReadyResponse,
          ...problemResponses(503),
        },
      },
    },
    async () => {
      let pending: string[];
      try {
        pending = await pendingMigrations(deps.database);
      } catch {
        throw new AppError('NOT_READY', 'The database is not reachable.');
      }
      if (pending.length > 0)
        throw new AppError('NOT_READY', `Migrations not applied: ${pending.join(', ')}.`);
      return { status: 'ready' as const, database: deps.database.engine };
    },
  );

  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['System'],
        summary: 'Public keys',
        description:
          'The keys that verify access tokens (`use: sig`) and the keys to encrypt JWE request bodies to (`use: enc`, RSA-OAEP-256 + A256CBC-HS512).',
        response: { 200: JwksResponse },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return deps.keys.jwks();
    },
  );
};
