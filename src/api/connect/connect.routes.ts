// Hosted Connect over HTTP: the developer's routes (/v1/connect/*, /v1/client/redirect-uris, with
// the client's token) and the page's own (/connect/*: the page, its assets, and the small API it
// calls with the session token from its URL fragment).
import fs from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { products as productList } from '../../domain/products.ts';
import { authOf } from '../../http/auth.ts';
import {
  allowedOrigins,
  answerForPage,
  cancelSession,
  createSession,
  exchangeCode,
  finishSession,
  getRedirectUris,
  listUnusedCodes,
  pageProgress,
  pageSession,
  type SessionInput,
  sessionForPage,
  setRedirectUris,
  submitCredentials,
} from '../../services/connect.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { REFRESH_INTERVALS_MS } from '../../services/deps.ts';
import { problemResponses, StringEnum } from '../common.schemas.ts';

const assetsDir = new URL('../../connect/', import.meta.url);
const asset = (name: string) => fs.readFileSync(new URL(name, assetsDir), 'utf8');
// Read once at start: the page is a few static files.
const assets = {
  html: asset('page.html'),
  js: asset('page.js'),
  css: asset('page.css'),
  embed: asset('embed.js'),
};

const tags = ['Connect'];
const pageTags = ['Connect page (used by the hosted page itself)'];
const writeScope = { scopes: ['connections:write' as const] };
const SessionParams = Type.Object({ session_id: Type.String({ maxLength: 64 }) });
const Strings = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 256 }), {
  maxProperties: 20,
});

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
        summary: 'Codes not exchanged yet (seed 003: GET link codes)',
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

  // ---- the page

  const noStore = (reply: FastifyReply) =>
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');

  app.get(
    '/connect/:session_id',
    {
      schema: { tags: pageTags, summary: 'The Connect page', params: SessionParams },
    },
    async (request, reply) => {
      const { session_id } = request.params as { session_id: string };
      const origins = await allowedOrigins(engine, session_id);
      // Only the page's own files run; only the client's registered origins may frame it.
      const csp = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'none'",
        "base-uri 'none'",
        `frame-ancestors ${origins.length > 0 ? origins.join(' ') : "'none'"}`,
      ].join('; ');
      return noStore(reply)
        .header('content-security-policy', csp)
        .header('x-content-type-options', 'nosniff')
        .type('text/html; charset=utf-8')
        .send(assets.html);
    },
  );
  for (const [path, body, type] of [
    ['/connect/assets/page.js', assets.js, 'text/javascript; charset=utf-8'],
    ['/connect/assets/page.css', assets.css, 'text/css; charset=utf-8'],
    ['/connect/embed.js', assets.embed, 'text/javascript; charset=utf-8'],
  ] as const) {
    app.get(path, { schema: { tags: pageTags, summary: `Static: ${path}` } }, async (_request, reply) =>
      reply
        .header('cache-control', 'public, max-age=300')
        .header('x-content-type-options', 'nosniff')
        .type(type)
        .send(body),
    );
  }

  /** The session a page call is about, from its id and the token the page sends. */
  const session = (request: FastifyRequest) => {
    const { session_id } = request.params as { session_id: string };
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    return sessionForPage(engine, session_id, token);
  };
  const pageRoute = (summary: string, extra: Record<string, unknown> = {}) => ({
    schema: { tags: pageTags, summary, params: SessionParams, ...extra },
  });

  app.get('/connect/api/:session_id', pageRoute('The session as the page shows it'), async (request, reply) =>
    noStore(reply).send(await pageSession(engine, await session(request))),
  );
  app.post(
    '/connect/api/:session_id/credentials',
    pageRoute('Submit the login form', {
      body: Type.Object(
        { institution_id: Type.String({ maxLength: 64 }), credentials: Strings },
        { additionalProperties: false },
      ),
    }),
    async (request, reply) =>
      noStore(reply).send(
        await submitCredentials(
          engine,
          await session(request),
          request.body as { institution_id: string; credentials: Record<string, string> },
        ),
      ),
  );
  app.get('/connect/api/:session_id/progress', pageRoute('Where the connection is'), async (request, reply) =>
    noStore(reply).send(await pageProgress(engine, await session(request))),
  );
  app.post(
    '/connect/api/:session_id/answer',
    pageRoute('Answer the open challenge', {
      body: Type.Object({ answers: Strings }, { additionalProperties: false }),
    }),
    async (request, reply) => {
      await answerForPage(
        engine,
        await session(request),
        (request.body as { answers: Record<string, string> }).answers,
      );
      return noStore(reply).code(202).send({ accepted: true });
    },
  );
  app.post('/connect/api/:session_id/finish', pageRoute('Hand the connection over'), async (request, reply) =>
    noStore(reply).send(await finishSession(engine, await session(request))),
  );
  app.post('/connect/api/:session_id/cancel', pageRoute('Give up'), async (request, reply) =>
    noStore(reply).send(await cancelSession(engine, await session(request))),
  );
}
