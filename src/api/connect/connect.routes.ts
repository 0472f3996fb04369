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
import { problemResponses } from '../common.schemas.ts';
import {
  CodesQuery,
  CreateSessionBody,
  ExchangeBody,
  Exchanged,
  RedirectUris,
  RedirectUrisBody,
  SessionCreated,
  UnusedCodes,
} from './connect.schemas.ts';

const tags = ['Connect'];
const writeScope = { scopes: ['connections:write' as const] };

export const connectRoutes: FastifyPluginAsyncTypebox<{ engine: ServiceDeps; publicUrl: string }> = async (
  app,
  deps,
) => {
  const { engine, publicUrl } = deps;

  // ---- the developer's server

  app.put(
    '/v1/client/redirect-uris',
    {
      config: writeScope,
      schema: {
        tags,
        summary: 'Register where Connect may send end users back to',
        description:
          'Replaces the list. https URLs (http only on localhost). Their origins may also frame the Connect ' +
          'page and receive its messages.',
        body: RedirectUrisBody,
        response: { 200: RedirectUris, ...problemResponses(400, 401, 403) },
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
        summary: 'The registered redirect URIs',
        response: { 200: RedirectUris, ...problemResponses(401, 403) },
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
        summary: 'Open a Connect session for an end user',
        description:
          'Returns `url`, valid 30 minutes: send the end user there (redirect, popup or iframe with ' +
          '/connect/embed.js). On success the page sends them to `redirect_uri?code=…&state=…`; exchange the ' +
          'code with POST /v1/connect/exchange. `connection_id` opens update mode for an existing connection.',
        body: CreateSessionBody,
        response: {
          201: SessionCreated,
          ...problemResponses(400, 401, 403, 404),
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
        summary: 'Exchange a Connect code for the connection',
        description: 'Codes are one-use and expire after 10 minutes.',
        body: ExchangeBody,
        response: { 200: Exchanged, ...problemResponses(400, 401, 403) },
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
        summary: 'Codes not exchanged yet (Flanks: GET link codes)',
        querystring: CodesQuery,
        response: { 200: UnusedCodes, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) =>
      listUnusedCodes(engine, authOf(request).client.id, { sessionId: request.query.session_id }),
  );
};
