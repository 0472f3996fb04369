// The Flanks facade: Flanks' API (https://docs.flanks.io) at /compat/flanks, so a Flanks customer
// switches by changing its base URL and credentials. Bearer tokens are native tokens (the native
// auth hook checks them through each route's `config.scopes`); errors are Flanks' envelope.
// What is covered and every inferred decision: README.md here and docs/compat/flanks.md.
import type { FastifyPluginAsync } from 'fastify';
import { registerVendorErrors } from '../shared/errors.ts';
import type { Facade, FacadeDeps } from '../shared/facade.ts';
import { registerFacadeDocument } from '../shared/openapi.ts';
import { credentialsRoutes } from './credentials.routes.ts';
import { dataRoutes } from './data.routes.ts';
import { renderFlanksError } from './errors.ts';
import { linkRoutes } from './links.routes.ts';

const plugin: FastifyPluginAsync<FacadeDeps> = async (app, options) => {
  // The route files inherit this plugin's prefix: passing it on would mount them at it twice.
  const { prefix: _prefix, ...deps } = options as FacadeDeps & { prefix?: string };
  registerVendorErrors(app, renderFlanksError);
  registerFacadeDocument(app, deps.publicUrl, {
    title: 'Tesoro — Flanks compatibility API',
    description:
      'Flanks’ credentials, aggregation and link endpoints served by Tesoro: point a Flanks client at this base URL and use a Tesoro client’s id and secret. Field names, status codes and error bodies are Flanks’. Bodies may be sent as a compact JWE (`Content-Type: application/jose`) encrypted to the first key of `/.well-known/jwks.json`.',
    prefix: '/compat/flanks',
    securityScheme: {
      type: 'oauth2',
      flows: { clientCredentials: { tokenUrl: '/compat/flanks/v0/token', scopes: {} } },
    },
  });
  await app.register(credentialsRoutes, deps);
  await app.register(dataRoutes, deps);
  await app.register(linkRoutes, deps);
};

export const flanksFacade: Facade = {
  name: 'flanks',
  title: 'Flanks',
  plugin,
  renderError: renderFlanksError,
};
