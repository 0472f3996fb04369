// The Budget Insight / Powens facade: Powens' API 2.0 (https://docs.powens.com) at
// /compat/powens/2.0 and, for clients that still say Budget Insight, /compat/budget-insight/2.0,
// so a Powens customer switches by replacing `https://{domain}.biapi.pro/2.0/` in its base URL
// and its credentials. Tokens are checked by auth.ts in each route's `config.powensAuth`; errors
// are Powens' envelope. What is covered and every inferred decision: README.md here and
// docs/compat/powens.md.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { registerVendorErrors } from '../shared/errors.ts';
import type { Facade, FacadeDeps } from '../shared/facade.ts';
import { registerFacadeDocument } from '../shared/openapi.ts';
import { authRoutes } from './auth.routes.ts';
import { PowensAuthenticator } from './auth.ts';
import { configRoutes } from './config.routes.ts';
import { connectionRoutes } from './connections.routes.ts';
import { connectorRoutes } from './connectors.routes.ts';
import { dataRoutes } from './data.routes.ts';
import type { PowensDeps } from './deps.ts';
import { renderPowensError } from './errors.ts';
import { powensWebhookFormat } from './webhook.ts';
import { webviewRoutes } from './webview.routes.ts';

/** Powens' version segment: every path follows it. */
const VERSION = '/2.0';

const plugin: FastifyPluginAsync<FacadeDeps> = async (app, options) => {
  // The route files inherit this plugin's prefix: passing it on would mount them at it twice.
  const { prefix = '/compat/powens', ...facadeDeps } = options as FacadeDeps & { prefix?: string };
  const powens = new PowensAuthenticator(
    facadeDeps.engine,
    facadeDeps.keys,
    facadeDeps.publicUrl,
    facadeDeps.failures,
  );
  const deps: PowensDeps = { ...facadeDeps, powens, mountedAt: prefix };
  registerVendorErrors(app, renderPowensError);
  // Before the body is validated: a stranger learns nothing about a body's shape. The rate limit
  // (preHandler) then counts the call against its client.
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const kind = request.routeOptions.config.powensAuth;
    if (kind !== undefined) await powens.authenticate(request, kind);
  });
  registerFacadeDocument(app, deps.publicUrl, {
    title: 'Tesoro — Budget Insight / Powens compatibility API',
    description:
      'Powens’ (formerly Budget Insight) API 2.0 served by Tesoro: replace `https://{domain}.biapi.pro/2.0/` with this server’s URL and use a Tesoro client’s id and secret. Bodies may be JSON or form-encoded. Ids are integers, field names, states and error bodies are Powens’. Manage tokens come from POST /auth/token, user tokens from POST /auth/init.',
    prefix,
    securityScheme: { type: 'http', scheme: 'bearer', description: 'A manage token or a user token.' },
  });
  await app.register(
    async (versioned) => {
      await versioned.register(connectorRoutes, deps);
      await versioned.register(authRoutes, deps);
      await versioned.register(connectionRoutes, deps);
      await versioned.register(dataRoutes, deps);
      await versioned.register(configRoutes, deps);
    },
    { prefix: VERSION },
  );
  await app.register(webviewRoutes, deps);
};

export const powensFacade: Facade = {
  name: 'powens',
  title: 'Budget Insight / Powens',
  aliases: ['budget-insight'],
  plugin,
  renderError: renderPowensError,
  webhookFormat: powensWebhookFormat,
};
