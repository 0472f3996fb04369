// Liveness, readiness, version, metrics and the public key set. None of these need a client's
// token; /metrics needs TESORO_METRICS_TOKEN when one is set.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../domain/errors.ts';
import { metricsAccess, metricsContentType, renderMetrics } from '../../observability/metrics.ts';
import type { KeyStore } from '../../services/keys.ts';
import { appliedSchema, type Database, pendingMigrations } from '../../store/database.ts';
import { buildInfo } from '../../version.ts';
import { Ref, registerSchemas } from '../common.schemas.ts';
import { metricsExample } from '../openapi/examples.ts';
import { answer, problems, rateLimited, textAnswer } from '../responses.ts';
import { HealthSchema, JsonWebKeySetSchema, ReadinessSchema, VersionSchema } from './system.schemas.ts';

export const systemRoutes: FastifyPluginAsyncTypebox<{
  database: Database;
  keys: KeyStore;
  /** When set, /metrics answers only `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
}> = async (app, deps) => {
  const build = buildInfo(deps.env ?? {});
  const mayReadMetrics = metricsAccess(deps.metricsToken);
  registerSchemas(app, [HealthSchema, ReadinessSchema, JsonWebKeySetSchema, VersionSchema]);

  app.get(
    '/version',
    {
      logLevel: 'warn',
      schema: {
        tags: ['System'],
        operationId: 'getVersion',
        summary: 'What is running',
        description:
          'The release, the commit it was built from, the Node.js version and the database schema.',
        response: {
          200: answer(Ref(VersionSchema), 'The build and the database schema.'),
          ...problems(rateLimited),
        },
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
        operationId: 'getMetrics',
        summary: 'Prometheus metrics',
        description:
          'The process and its work in the Prometheus text format: HTTP requests by route, refreshes by connector and outcome, the job queue, webhook attempts, imports (docs/operations.md). With TESORO_METRICS_TOKEN set, send it as a bearer token.',
        response: {
          200: textAnswer(
            ['text/plain; version=0.0.4'],
            'Prometheus text exposition format 0.0.4',
            metricsExample,
          ),
          // Only with TESORO_METRICS_TOKEN set.
          ...problems(rateLimited, 'AUTH_TOKEN_MISSING', {
            AUTH_TOKEN_INVALID: 'The metrics need Authorization: Bearer <TESORO_METRICS_TOKEN>.',
          }),
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
        operationId: 'getHealth',
        summary: 'Liveness',
        description: 'Answers 200 while the process is up.',
        response: { 200: answer(Ref(HealthSchema), 'The process is up.') },
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
        operationId: 'getReadiness',
        summary: 'Readiness',
        description:
          'Answers 200 when the database is reachable and every migration is applied; 503 otherwise.',
        response: {
          200: answer(Ref(ReadinessSchema), 'The database is reachable and up to date.'),
          ...problems('NOT_READY'),
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
        operationId: 'getJsonWebKeySet',
        summary: 'Public keys',
        description:
          'The keys that verify access tokens (`use: sig`) and the keys to encrypt JWE request bodies to (`use: enc`, RSA-OAEP-256 + A256CBC-HS512).',
        response: { 200: answer(Ref(JsonWebKeySetSchema), 'The JSON Web Key Set.') },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return deps.keys.jwks();
    },
  );
};
