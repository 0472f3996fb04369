// Per request: its id carried to every log line written while it is handled (a use case logs with
// the process's logger, not the request's), and its duration counted by route pattern for /metrics.
import type { FastifyInstance } from 'fastify';
import { httpRequestDuration } from '../observability/metrics.ts';
import { runInRequest } from '../observability/request-context.ts';

export function registerObservability(app: FastifyInstance): void {
  // A callback hook, not an async one: the rest of the request's hooks and its handler run inside
  // `done`, hence inside the context.
  app.addHook('onRequest', (request, _reply, done) => {
    runInRequest(request.id, done);
  });
  app.addHook('onResponse', async (request, reply) => {
    httpRequestDuration.observe(
      {
        method: request.method,
        // The pattern (/v1/connections/:id), never the path: one series per route, no ids.
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}
