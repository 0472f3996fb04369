// Hosted Connect, the end user's side: the page and its assets, the small API the page calls with
// the session token from its URL fragment (never the client's API token), and the public callback
// a redirect consent comes back to.
import fs from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { AppError } from '../domain/errors.ts';
import {
  allowedOrigins,
  answerForPage,
  cancelSession,
  finishSession,
  logoOrigins,
  pageProgress,
  pageSession,
  sessionForPage,
  submitCredentials,
} from '../services/connect.ts';
import { receiveConsentCallback } from '../services/consent-callback.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { consentPage } from './consent-page.ts';
import { AnswerBody, CallbackParams, CallbackQuery, CredentialsBody, SessionParams } from './page.schemas.ts';

const assetsDir = new URL('./', import.meta.url);
const asset = (name: string) => fs.readFileSync(new URL(name, assetsDir), 'utf8');
// Read once at start: the page is a few static files.
const assets = {
  html: asset('page.html'),
  js: asset('page.js'),
  css: asset('page.css'),
  embed: asset('embed.js'),
};

const pageTags = ['Connect page (used by the hosted page itself)'];

/** The end user is the one calling the page's API: their address and browser, for the connector. */
const presenceOf = (request: FastifyRequest) => ({
  userPresent: { ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
});

export const connectPageRoutes: FastifyPluginAsyncTypebox<{ engine: ServiceDeps }> = async (app, deps) => {
  const { engine } = deps;

  const noStore = (reply: FastifyReply) =>
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');

  app.get(
    '/connect/:session_id',
    {
      schema: { tags: pageTags, summary: 'The Connect page', params: SessionParams },
    },
    async (request, reply) => {
      const origins = await allowedOrigins(engine, request.params.session_id);
      // Only the page's own files run; only the client's registered origins may frame it; images
      // come from the page and the hosts of the institutions' logos.
      const csp = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        ["img-src 'self' data:", ...logoOrigins(engine)].join(' '),
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
  const session = (request: FastifyRequest & { params: { session_id: string } }) => {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    return sessionForPage(engine, request.params.session_id, token);
  };
  /** A route of the page's API: the session id in the path; pageForm's also take a body. */
  const pageRoute = (summary: string) => ({ schema: { tags: pageTags, summary, params: SessionParams } });
  const pageForm = <Body extends TSchema>(summary: string, body: Body) => ({
    schema: { tags: pageTags, summary, params: SessionParams, body },
  });

  app.get('/connect/api/:session_id', pageRoute('The session as the page shows it'), async (request, reply) =>
    noStore(reply).send(await pageSession(engine, await session(request))),
  );
  app.post(
    '/connect/api/:session_id/credentials',
    pageForm('Submit the login form', CredentialsBody),
    async (request, reply) =>
      noStore(reply).send(
        await submitCredentials(engine, await session(request), request.body, presenceOf(request)),
      ),
  );
  app.get('/connect/api/:session_id/progress', pageRoute('Where the connection is'), async (request, reply) =>
    noStore(reply).send(await pageProgress(engine, await session(request))),
  );
  app.post(
    '/connect/api/:session_id/answer',
    pageForm('Answer the open challenge', AnswerBody),
    async (request, reply) => {
      await answerForPage(engine, await session(request), request.body.answers, presenceOf(request));
      return noStore(reply).code(202).send({ accepted: true });
    },
  );
  app.post('/connect/api/:session_id/finish', pageRoute('Hand the connection over'), async (request, reply) =>
    noStore(reply).send(await finishSession(engine, await session(request))),
  );
  app.post('/connect/api/:session_id/cancel', pageRoute('Give up'), async (request, reply) =>
    noStore(reply).send(await cancelSession(engine, await session(request))),
  );

  app.get(
    '/connect/callback/:connector',
    {
      schema: {
        tags: pageTags,
        summary: 'Where an institution sends the end user back after a redirect consent',
        description:
          'Public. The `state` names the open redirect challenge; the other query parameters (`code`, ' +
          '`error`, …) are handed to the connector, the refresh resumes, and the end user is sent on ' +
          "to the developer's `redirect_uri` with a one-use `code` (or `error`) and the session's `state`.",
        params: CallbackParams,
        querystring: CallbackQuery,
      },
    },
    async (request, reply) => {
      noStore(reply).header('x-content-type-options', 'nosniff');
      try {
        const outcome = await receiveConsentCallback(engine, request.params.connector, request.query, {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        if ('redirectTo' in outcome) return reply.redirect(outcome.redirectTo, 303);
        return reply.type('text/html; charset=utf-8').send(consentPage(outcome.page));
      } catch (error) {
        // A browser (the end user) gets a page in plain words; any other caller, problem+json.
        const browser = request.headers.accept?.includes('text/html') ?? false;
        if (!browser || !(error instanceof AppError) || error.code !== 'CONSENT_CALLBACK_INVALID')
          throw error;
        return reply.code(400).type('text/html; charset=utf-8').send(consentPage('invalid'));
      }
    },
  );
};
