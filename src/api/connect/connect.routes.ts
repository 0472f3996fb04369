// Hosted Connect, the developer's side: redirect URIs, sessions, and the code exchange, with the
// client's token. The page's own routes are connect/page.routes.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authOf } from '../../http/auth.ts';
import {
  createSession,
  exchangeCode,
  getRedirectUris,
  listUnusedCodes,
  setRedirectUris,
} from '../../services/connect.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { Ref, registerSchemas } from '../common.schemas.ts';
import { answer, invalidField, jsonBody, problems, query, withScopes } from '../responses.ts';
import {
  CodesQuery,
  ConnectSessionSchema,
  CreateSessionRequest,
  connectSchemas,
  ExchangedSchema,
  ExchangeRequest,
  RedirectUris,
  RedirectUrisRequest,
  UnusedCodes,
} from './connect.schemas.ts';

const tags = ['Connect'];
const writeScope = { scopes: ['connections:write' as const] };

export const connectRoutes: FastifyPluginAsyncTypebox<{ engine: ServiceDeps; publicUrl: string }> = async (
  app,
  deps,
) => {
  const { engine, publicUrl } = deps;
  registerSchemas(app, connectSchemas);

  // ---- the developer's server

  app.put(
    '/v1/client/redirect-uris',
    {
      config: writeScope,
      schema: {
        tags,
        operationId: 'setRedirectUris',
        summary: 'Register where Connect may send end users back to',
        description:
          'Replaces the list. https URLs (http only on localhost). Their origins may also frame the Connect ' +
          'page and receive its messages.',
        body: Ref(RedirectUrisRequest),
        response: {
          200: answer(Ref(RedirectUris), 'The list now registered.'),
          ...problems(withScopes, jsonBody, {
            VALIDATION_FAILED: {
              detail: 'Some redirect URIs are not valid.',
              fields: [
                { in: 'body', path: ['redirect_uris', 0], detail: 'must be https (http only on localhost)' },
              ],
            },
          }),
        },
      },
    },
    async (request) => setRedirectUris(engine, authOf(request).client.id, request.body.redirect_uris),
  );

  app.get(
    '/v1/client/redirect-uris',
    {
      config: { scopes: ['connections:read'] },
      schema: {
        tags,
        operationId: 'getRedirectUris',
        summary: 'The registered redirect URIs',
        response: { 200: answer(Ref(RedirectUris), 'The registered list.'), ...problems(withScopes) },
      },
    },
    async (request) => getRedirectUris(engine, authOf(request).client.id),
  );

  app.post(
    '/v1/connect/sessions',
    {
      config: writeScope,
      schema: {
        tags,
        operationId: 'createConnectSession',
        summary: 'Open a Connect session for an end user',
        description:
          'Returns `url`, valid 30 minutes: send the end user there (redirect, popup or iframe with ' +
          '/connect/embed.js). On success the page sends them to `redirect_uri?code=…&state=…`; exchange the ' +
          'code with POST /v1/connect/exchange. `connection_id` opens update mode for an existing connection.',
        body: Ref(CreateSessionRequest),
        response: {
          201: answer(Ref(ConnectSessionSchema), 'The session, and the URL to send the end user to.'),
          ...problems(withScopes, jsonBody, {
            // `connection_id` (update mode) that is not the caller's.
            NOT_FOUND: 'No connection con_3zuaj5q6r7wley95.',
            VALIDATION_FAILED: invalidField(
              'body',
              ['redirect_uri'],
              'is not one of the redirect URIs registered with PUT /v1/client/redirect-uris',
            ),
          }),
        },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return createSession(engine, publicUrl, authOf(request).client.id, request.body);
    },
  );

  app.post(
    '/v1/connect/exchange',
    {
      config: writeScope,
      schema: {
        tags,
        operationId: 'exchangeConnectCode',
        summary: 'Exchange a Connect code for the connection',
        description: 'Codes are one-use and expire after 10 minutes.',
        body: Ref(ExchangeRequest),
        response: {
          200: answer(Ref(ExchangedSchema), 'The connection the code stood for.'),
          ...problems(withScopes, jsonBody, 'CONNECT_CODE_INVALID'),
        },
      },
    },
    async (request) => exchangeCode(engine, authOf(request).client.id, request.body.code),
  );

  app.get(
    '/v1/connect/codes',
    {
      config: writeScope,
      schema: {
        tags,
        operationId: 'listConnectCodes',
        summary: 'Codes not exchanged yet (Flanks: GET link codes)',
        querystring: CodesQuery,
        response: { 200: answer(UnusedCodes, 'Codes not exchanged yet.'), ...problems(withScopes, query) },
      },
    },
    async (request) =>
      listUnusedCodes(engine, authOf(request).client.id, { sessionId: request.query.session_id }),
  );
};
