// The Datanomik facade: Datanomik's open-finance API (https://docs.datanomik.com) at
// /compat/datanomik, so a Datanomik customer switches by changing its base URL
// (https://api.datanomik.com → https://<tesoro>/compat/datanomik) and its credentials (a Tesoro
// client id and secret as the Basic secretId and secretPassword). Every answer is Datanomik's:
// page envelopes, UUID ids, upper-case enums, `{code, type, message, trace_id}` errors. What is
// covered and every inferred decision: README.md here and docs/compat/datanomik.md.
import type { FastifyPluginAsync } from 'fastify';
import { registerVendorErrors } from '../shared/errors.ts';
import type { Facade, FacadeDeps } from '../shared/facade.ts';
import { registerFacadeDocument } from '../shared/openapi.ts';
import { DatanomikAuthenticator } from './auth.ts';
import { dataRoutes } from './data.routes.ts';
import { renderDatanomikError } from './errors.ts';
import { linkRoutes } from './links.routes.ts';
import { datanomikWebhookFormat } from './webhook.ts';

const plugin: FastifyPluginAsync<FacadeDeps> = async (app, options) => {
  // The route files inherit this plugin's prefix: passing it on would mount them at it twice.
  const { prefix: _prefix, ...deps } = options as FacadeDeps & { prefix?: string };
  const authenticator = new DatanomikAuthenticator(deps.engine, deps.failures);
  registerVendorErrors(app, renderDatanomikError);
  // Basic on every call of Datanomik's, before the body is read: a stranger learns nothing of a
  // body's shape, and the rate limit then counts the call against its client. The facade's own
  // OpenAPI document (no `doc`) and unknown paths need no credentials.
  app.addHook('onRequest', async (request) => {
    if (!request.routeOptions.config?.doc) return;
    const client = await authenticator.authenticate(request);
    request.auth = { client, scopes: client.scopes };
  });
  registerFacadeDocument(app, deps.publicUrl, {
    title: 'Tesoro — Datanomik compatibility API',
    description:
      'Datanomik’s links, accounts, transactions, owners, users, investments and balances served by Tesoro: point a Datanomik client at this base URL and use a Tesoro client id and secret as the Basic secretId and secretPassword. Field names, page envelopes, status codes and error bodies are Datanomik’s.',
    prefix: '/compat/datanomik',
    securityScheme: { type: 'http', scheme: 'basic', description: 'client_id:client_secret' },
  });
  await app.register(linkRoutes, deps);
  await app.register(dataRoutes, deps);
};

export const datanomikFacade: Facade = {
  name: 'datanomik',
  title: 'Datanomik',
  plugin,
  renderError: renderDatanomikError,
  webhookFormat: datanomikWebhookFormat,
};
