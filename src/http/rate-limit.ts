// Per-client rate limits (DESIGN.md security model). Counted after authentication, so a client's
// budget is its own whatever addresses it calls from; unauthenticated calls (the token endpoint)
// count per IP. The counters live in this process: with several API replicas each enforces the
// limit on its own share of the traffic.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.ts';

const UNLIMITED_ROUTES = new Set(['/health', '/ready', '/.well-known/jwks.json']);

export async function registerRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: perMinute,
    timeWindow: 60_000,
    hook: 'preHandler',
    keyGenerator: (request) => (request.auth ? `client:${request.auth.client.id}` : `ip:${request.ip}`),
    allowList: (request) => UNLIMITED_ROUTES.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        'RATE_LIMITED',
        `More than ${context.max} requests in a minute; retry in ${Math.ceil(context.ttl / 1000)} s.`,
        {
          headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
        },
      ),
  });
}
