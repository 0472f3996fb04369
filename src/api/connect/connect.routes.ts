// Hosted Connect, the developer's side: redirect URIs, sessions, and the code exchange, with the
// client's token. The page's own routes are connect/page.routes.ts.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { products as productList } from '../../domain/products.ts';
import { authOf } from '../../http/auth.ts';
import {
  createSession,
  exchangeCode,
  getRedirectUris,
  listUnusedCodes,
  type SessionInput,
  setRedirectUris,
} from '../../services/connect.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { REFRESH_INTERVALS_MS } from '../../services/deps.ts';
import { problemResponses, StringEnum } from '../common.schemas.ts';

const tags = ['Connect'];
const writeScope = { scopes: ['connections:write' as const] };

export function registerConnectRoutes(
  app: FastifyInstance,
  deps: { engine: ServiceDeps; publicUrl: string },
): void {
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
        body: Type.Object(
          { redirect_uris: Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 20 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ redirect_uris: Type.Array(Type.String()) }),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) =>
      setRedirectUris(
        engine,
        authOf(request).client.id,
        (request.body as { redirect_uris: string[] }).redirect_uris,
      ),
  );

  app.get(
    '/v1/client/redirect-uris',
    {
      config: { scopes: ['connections:read'] },
      schema: {
        tags,
        summary: 'The registered redirect URIs',
        response: {
          200: Type.Object({ redirect_uris: Type.Array(Type.String()) }),
          ...problemResponses(401, 403),
        },
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
        body: Type.Object(
          {
            redirect_uri: Type.String({ maxLength: 2048 }),
            state: Type.Optional(Type.String({ maxLength: 512 })),
            institution_ids: Type.Optional(
              Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 100 }),
            ),
            products: Type.Optional(Type.Array(StringEnum(productList), { minItems: 1 })),
            country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
            language: Type.Optional(StringEnum(['en', 'es'] as const)),
            external_id: Type.Optional(Type.String({ maxLength: 256 })),
            access_mode: Type.Optional(StringEnum(['single', 'recurrent'] as const)),
            refresh_interval: Type.Optional(StringEnum(Object.keys(REFRESH_INTERVALS_MS))),
            extra: Type.Optional(Type.Object({}, { additionalProperties: true, maxProperties: 50 })),
            connection_id: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            id: Type.String(),
            url: Type.String(),
            expires_at: Type.String({ format: 'date-time' }),
          }),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return createSession(engine, publicUrl, authOf(request).client.id, request.body as SessionInput);
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
        body: Type.Object({ code: Type.String({ maxLength: 128 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            connection_id: Type.String(),
            external_id: Type.Union([Type.String(), Type.Null()]),
            institution_id: Type.String(),
            extra: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
          }),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) =>
      exchangeCode(engine, authOf(request).client.id, (request.body as { code: string }).code),
  );

  app.get(
    '/v1/connect/codes',
    {
      config: writeScope,
      schema: {
        tags,
        summary: 'Codes not exchanged yet (Flanks: GET link codes)',
        querystring: Type.Object(
          { session_id: Type.Optional(Type.String({ maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({
                code: Type.String(),
                session_id: Type.String(),
                connection_id: Type.String(),
                expires_at: Type.String({ format: 'date-time' }),
              }),
            ),
          }),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) =>
      listUnusedCodes(
        engine,
        authOf(request).client.id,
        (request.query as { session_id?: string }).session_id,
      ),
  );
}
