// Per-client rate limits (DESIGN.md security model). Counted after authentication, so a client's
// budget is its own whatever addresses it calls from; token requests count per client id they
// name (one busy application behind a NAT does not use up the others' budget), and other
// unauthenticated calls per address (with TESORO_TRUST_PROXY, the client's address as the proxy
// reports it). Failed authentications have budgets of their own (auth-failures.ts). The counters
// live in this process: with several API replicas each enforces the limit on its own share.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../domain/errors.ts';
import { clientCredentialsOf } from './client-credentials.ts';

const UNLIMITED_ROUTES = new Set(['/health', '/ready', '/.well-known/jwks.json']);

export async function registerRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: perMinute,
    timeWindow: 60_000,
    hook: 'preHandler',
    keyGenerator: (request) => {
      if (request.auth) return `client:${request.auth.client.id}`;
      const tokenClient = request.routeOptions.config.tokenRoute
        ? clientCredentialsOf(request).id
        : undefined;
      return tokenClient ? `token:${tokenClient}` : `ip:${request.ip}`;
    },
    allowList: (request) => UNLIMITED_ROUTES.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) =>
      new AppError(
        'RATE_LIMITED',
        `More than ${context.max} requests in a minute; retry in ${Math.ceil(context.ttl / 1000)} s.`,
        { retryAfterSeconds: Math.ceil(context.ttl / 1000) },
      ),
  });
}
