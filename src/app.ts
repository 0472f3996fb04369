// buildApp: the HTTP application, with its plugins in an explicit order. It receives everything it
// needs (database, keys, connectors, logger) and opens nothing itself, so tests build it the
// same way the server does.
import { randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { balanceRoutes } from './api/balances/balances.routes.ts';
import { ProblemSchema, registerSchemas } from './api/common.schemas.ts';
import { connectRoutes } from './api/connect/connect.routes.ts';
import { connectionRoutes } from './api/connections/connections.routes.ts';
import { dataRoutes } from './api/data/data.routes.ts';
import { importRoutes } from './api/imports/imports.routes.ts';
import { institutionRoutes } from './api/institutions/institutions.routes.ts';
import { manualTransactionRoutes } from './api/manual-transactions/manual-transactions.routes.ts';
import { tokenRoutes } from './api/oauth/token.routes.ts';
import { connectPageSchemas } from './api/openapi/connect-page.ts';
import { documentOptions } from './api/openapi/document.ts';
import { sandboxRoutes } from './api/sandbox/sandbox.routes.ts';
import { systemRoutes } from './api/system/system.routes.ts';
import { webhookRoutes } from './api/webhooks/webhooks.routes.ts';
import { facadePrefix, frameworkErrorsFor, registerFacades, selectFacades } from './compat/index.ts';
import type { Facade } from './compat/shared/facade.ts';
import { connectPageRoutes } from './connect/page.routes.ts';
import type { ConnectorRegistry } from './connectors/registry.ts';
import { dashboardRoutes } from './dashboard/dashboard.routes.ts';
import { registerAuth } from './http/auth.ts';
import { AuthFailures } from './http/auth-failures.ts';
import { clientErrorHandler, registerErrorHandling } from './http/error-handler.ts';
import { registerJweBodies } from './http/jwe.ts';
import { registerObservability } from './http/observability.ts';
import { registerRateLimit } from './http/rate-limit.ts';
import { registerRequestGuards, withBoundedYears } from './http/request-guards.ts';
import type { Logger } from './logger.ts';
import type { ServiceDeps } from './services/deps.ts';
import type { KeyStore } from './services/keys.ts';
import type { Database } from './store/database.ts';

export interface AppDeps {
  database: Database;
  /** The use cases' dependencies (database, keyring, connectors, job sender). */
  engine: ServiceDeps;
  keys: KeyStore;
  registry: ConnectorRegistry;
  logger: Logger;
  /** Token issuer and the base of links the API returns. */
  publicUrl: string;
  /** Requests per minute per client; 0 or undefined: no limit. */
  rateLimitPerMinute?: number;
  /**
   * Failed authentications per minute per address and client id (the token endpoint) before 429;
   * five times as many per address (token endpoint and bearer tokens). 0 or undefined: not counted.
   */
  authFailuresPerMinute?: number;
  /** Records GET /v1/connections/{id}/all answers with at most (default 100,000). */
  allDataMaxRecords?: number;
  /** Fastify's trustProxy: which proxies' X-Forwarded-For to believe for the caller's address. */
  trustProxy?: boolean | string | ((address: string, hop: number) => boolean);
  /** The vendor facades to serve (TESORO_COMPAT: `all`, `none` or a list); default all. */
  compat?: string;
  /** The environment, for the facades' own settings; default none set. */
  env?: Readonly<Record<string, string | undefined>>;
  /** When set, /metrics needs `Authorization: Bearer <metricsToken>` (TESORO_METRICS_TOKEN). */
  metricsToken?: string | undefined;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const facades: Facade[] = selectFacades(deps.compat ?? 'all');
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // A caller's own X-Request-Id is kept (when it is safe to log) so logs can be joined across systems.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given)
        ? given
        : `req_${randomBytes(10).toString('hex')}`;
    },
    // Every bad field is reported, and unknown fields are refused rather than silently dropped.
    ajv: { customOptions: { allErrors: true, removeAdditional: false }, onCreate: withBoundedYears },
    // Ids are at most 64 characters: a longer path part is still answered by the route's own
    // schema (400 with a pointer) up to this length, and 414 URI_TOO_LONG beyond it.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512 },
    frameworkErrors: frameworkErrorsFor(facades),
    clientErrorHandler,
    trustProxy: deps.trustProxy ?? false,
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerObservability(app);

  // The shared Problem schema, and the Connect page's (its routes register none of their own).
  registerSchemas(app, [ProblemSchema, ...connectPageSchemas]);
  await app.register(swagger, documentOptions(deps.publicUrl));

  await app.register(formbody);
  acceptEmptyJsonBodies(app);
  registerJweBodies(app, deps.keys);
  registerErrorHandling(app);
  registerRequestGuards(app);
  const failures = deps.authFailuresPerMinute ? new AuthFailures(deps.authFailuresPerMinute) : undefined;
  registerAuth(app, { db: deps.database.db, keys: deps.keys, issuer: deps.publicUrl, failures });
  if (deps.rateLimitPerMinute) await registerRateLimit(app, deps.rateLimitPerMinute);

  // Each resource is an encapsulated plugin typed by its schemas (@fastify/type-provider-typebox).
  // It inherits everything registered above: the hooks (auth and its `config.scopes`, request
  // guards, rate limit), the error handler, the body parsers and the shared Problem schema. The
  // schemas a resource adds (Connection, Import, …) are its own, and @fastify/swagger still
  // collects them into the document.
  await app.register(systemRoutes, {
    database: deps.database,
    keys: deps.keys,
    metricsToken: deps.metricsToken,
    env: deps.env,
  });
  await app.register(tokenRoutes, {
    db: deps.database.db,
    keys: deps.keys,
    issuer: deps.publicUrl,
    failures,
  });
  await app.register(institutionRoutes, { registry: deps.registry });
  await app.register(connectionRoutes, { engine: deps.engine });
  await app.register(dataRoutes, { db: deps.database.db, allDataMaxRecords: deps.allDataMaxRecords });
  await app.register(balanceRoutes, { db: deps.database.db });
  await app.register(manualTransactionRoutes, { engine: deps.engine });
  await app.register(sandboxRoutes, { engine: deps.engine });
  await app.register(webhookRoutes, { engine: deps.engine });
  await app.register(connectRoutes, { engine: deps.engine, publicUrl: deps.publicUrl });
  await app.register(connectPageRoutes, { engine: deps.engine });
  await app.register(importRoutes, { engine: deps.engine });
  await app.register(dashboardRoutes, { engine: deps.engine });

  // The vendor facades, each under /compat/<vendor> with its own envelope and document.
  await registerFacades(app, facades, {
    engine: deps.engine,
    keys: deps.keys,
    registry: deps.registry,
    publicUrl: deps.publicUrl,
    failures,
    env: deps.env ?? {},
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: {
      docExpansion: 'list',
      deepLinking: true,
      // The reference page shows the native document and each facade's, chosen at the top.
      urls: [
        { url: '/openapi.json', name: 'Tesoro' },
        ...facades.map((facade) => ({
          url: `${facadePrefix(facade)}/openapi.json`,
          name: `${facade.title} compatibility`,
        })),
      ],
    },
  });

  return app;
}

/**
 * `curl -X POST -H 'content-type: application/json' …/test` sends no body at all. Fastify's JSON
 * parser refuses that; here an empty body is simply no body, and a route that needs one still
 * answers VALIDATION_FAILED from its schema. Everything else is parsed as before (proto
 * poisoning refused).
 */
function acceptEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    return parseJson(request, body as string, done);
  });
}
