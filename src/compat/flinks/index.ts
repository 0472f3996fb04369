// The Flinks facade: Flinks' banking API (https://docs.flinks.com) at /compat/flinks, so a Flinks
// customer switches by changing its base URLs (banking, wealth and the Connect iframe all point
// at this prefix). `{customerId}` is a Tesoro client id; keys are checked by auth.ts in each
// route's `config.flinksAuth`; errors are Flinks' envelope. What is covered and every inferred
// decision: README.md here and docs/compat/flinks.md.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import sjson from 'secure-json-parse';
import type { AppError } from '../../domain/errors.ts';
import { registerVendorErrors } from '../shared/errors.ts';
import type { Facade, FacadeDeps } from '../shared/facade.ts';
import { registerFacadeDocument } from '../shared/openapi.ts';
import { FlinksAuthenticator, flinksSettingsOf } from './auth.ts';
import { authorizeRoutes } from './authorize.routes.ts';
import { parseFlinksJson } from './body.ts';
import { connectRoutes } from './connect.routes.ts';
import { dataRoutes } from './data.routes.ts';
import type { FlinksDeps } from './deps.ts';
import { renderFlinksError } from './errors.ts';
import { manageRoutes } from './manage.routes.ts';
import { flinksWebhookFormat } from './webhook.ts';

/**
 * Flinks' own guide prints a body with a comma missing between two members. The JSON parser of
 * this prefix reads bodies as the native one does (prototype poisoning refused, an empty body is
 * no body) and, when a body does not parse, tries once more with the missing commas put back
 * (body.ts); anything else stays the native parse error.
 */
function readBodiesLeniently(app: Parameters<FastifyPluginAsync>[0]): void {
  const strict = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text === '') return done(null, undefined);
    strict(request, text, (error: Error | null, value?: unknown) => {
      if (!error) return done(null, value);
      try {
        const repaired = parseFlinksJson(text);
        sjson.scan(repaired as Record<string, unknown>, { protoAction: 'error', constructorAction: 'error' });
        return done(null, repaired);
      } catch {
        return done(error, undefined);
      }
    });
  });
}

const plugin: FastifyPluginAsync<FacadeDeps> = async (app, options) => {
  // The route files inherit this plugin's prefix: passing it on would mount them at it twice.
  const { prefix: _prefix, ...facadeDeps } = options as FacadeDeps & { prefix?: string };
  const authenticator = new FlinksAuthenticator(
    facadeDeps.engine,
    flinksSettingsOf(facadeDeps.env),
    facadeDeps.failures,
  );
  const deps: FlinksDeps = { ...facadeDeps, flinks: authenticator };
  registerVendorErrors(app, renderFlinksError);
  readBodiesLeniently(app);
  // Before the body is validated: a stranger learns nothing about a body's shape. The rate limit
  // (preHandler) then counts the call against its client.
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const kind = request.routeOptions.config.flinksAuth;
    if (kind === undefined) return;
    const client = await authenticator.authenticate(request, kind);
    request.auth = { client, scopes: client.scopes };
  });
  registerFacadeDocument(app, deps.publicUrl, {
    title: 'Tesoro — Flinks compatibility API',
    description:
      'Flinks’ Authorize, accounts, investments and login endpoints served by Tesoro: point a Flinks client’s banking and wealth base URLs at this prefix, use a Tesoro client id as the customerId and its secret as the secret key and x-api-key. Field names, status codes, FlinksCodes and error bodies are Flinks’.',
    prefix: '/compat/flinks',
    securitySchemes: {
      secretKey: { type: 'apiKey', in: 'header', name: 'flinks-auth-key', description: 'The secret key.' },
      authorizeToken: {
        type: 'apiKey',
        in: 'header',
        name: 'flinks-auth-key',
        description: 'A token from GenerateAuthorizeToken (single use).',
      },
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The secret key.' },
    },
  });
  await app.register(authorizeRoutes, deps);
  await app.register(dataRoutes, deps);
  await app.register(manageRoutes, deps);
  await app.register(connectRoutes, deps);
};

export const flinksFacade: Facade = {
  name: 'flinks',
  title: 'Flinks',
  plugin,
  renderError: (error: AppError) => renderFlinksError(error),
  webhookFormat: flinksWebhookFormat,
};
