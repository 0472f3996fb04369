// Liveness, readiness and the public key set. None of these need a token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../domain/errors.ts';
import type { KeyStore } from '../../services/keys.ts';
import { type Database, pendingMigrations } from '../../store/database.ts';
import { problemResponses } from '../common.schemas.ts';
import { HealthResponse, JwksResponse, ReadyResponse } from './system.schemas.ts';

export const systemRoutes: FastifyPluginAsyncTypebox<{ database: Database; keys: KeyStore }> = async (
  app,
  deps,
) => {
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
