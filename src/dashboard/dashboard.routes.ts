// The operator dashboard: server-rendered pages under /dashboard for whoever holds a client's
// credentials. This plugin owns what every page shares: the security headers, the HTML error
// pages, the stylesheet, signing in and out, and the session check in front of the pages
// (pages.routes.ts). It calls use cases only, and is left out of the OpenAPI document.
import fs from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorCatalog } from '../domain/errors.ts';
import { AuthFailures } from '../http/auth-failures.ts';
import { toAppError } from '../http/error-handler.ts';
import { authenticateClient, findClient } from '../services/clients.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { errorPage } from './pages/error.ts';
import { signInPage } from './pages/sign-in.ts';
import { pageRoutes } from './pages.routes.ts';
import { clearCookie, formField, hidden, type SignedIn, sendPage, setCookie } from './respond.ts';
import {
  cookieValue,
  type DashboardSession,
  DashboardSessions,
  SESSION_COOKIE,
  SESSION_SECONDS,
  sameToken,
  stillCurrent,
} from './session.ts';

const stylesheet = fs.readFileSync(new URL('./dashboard.css', import.meta.url), 'utf8');

/** Nothing but the dashboard's own stylesheet and forms; no script at all, never framed. */
export const DASHBOARD_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'";

/** Failed sign-ins a minute per (address, client id) before 429; five times as many per address. */
const SIGN_IN_FAILURES_PER_MINUTE = 10;

export const dashboardRoutes: FastifyPluginAsyncTypebox<{ engine: ServiceDeps }> = async (app, deps) => {
  await app.register(async (dashboard) => dashboardPlugin(dashboard, deps.engine), { prefix: '/dashboard' });
};

async function dashboardPlugin(app: FastifyInstance, engine: ServiceDeps): Promise<void> {
  const sessions = new DashboardSessions(() => engine.now());
  const failures = new AuthFailures(SIGN_IN_FAILURES_PER_MINUTE, () => engine.now().getTime());

  app.addHook('onSend', async (request, reply) => {
    reply
      .header('content-security-policy', DASHBOARD_CSP)
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff');
    // The stylesheet is the same for everyone; every page is someone's data.
    if (request.routeOptions.url !== '/dashboard/assets/dashboard.css')
      reply.header('cache-control', 'no-store');
  });

  // A form posted from another site is refused before anything is read (SameSite=Strict already
  // keeps the session cookie off it; this covers sign-in too, which has no session yet).
  app.addHook('preHandler', async (request) => {
    const site = request.headers['sec-fetch-site'];
    if (request.method === 'POST' && site !== undefined && site !== 'same-origin' && site !== 'none')
      throw new AppError('AUTH_INSUFFICIENT_SCOPE', 'This form can only be sent from the dashboard itself.');
  });

  app.setErrorHandler((error, request, reply) => {
    const { appError, unexpected } = toAppError(error);
    if (unexpected) request.log.error({ err: error }, 'dashboard page failed');
    const status = errorCatalog[appError.code].status;
    if (appError.retryAfterSeconds) reply.header('retry-after', String(appError.retryAfterSeconds));
    return sendPage(reply, errorPage(status, appError.message), status);
  });
  app.setNotFoundHandler((_request, reply) =>
    sendPage(reply, errorPage(404, 'There is no such page in the dashboard.'), 404),
  );

  app.get('/assets/dashboard.css', { schema: hidden }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').type('text/css; charset=utf-8').send(stylesheet),
  );

  /** The session of the request, if it is valid and its client still signs in the same way. */
  async function signedIn(request: FastifyRequest): Promise<SignedIn | undefined> {
    const session = await sessions.verify(cookieValue(request.headers.cookie, SESSION_COOKIE));
    if (!session) return undefined;
    const client = await findClient(engine.db, session.clientId);
    return stillCurrent(session, client) ? { client, session } : undefined;
  }

  /** Sends whoever has no valid session to the sign-in form, dropping a stale cookie. */
  const toSignIn = (request: FastifyRequest, reply: FastifyReply) => {
    if (cookieValue(request.headers.cookie, SESSION_COOKIE) !== undefined)
      reply.header('set-cookie', clearCookie(request, SESSION_COOKIE));
    return reply.redirect('/dashboard/sign-in', 303);
  };

  /** Refuses a state-changing form whose CSRF token is not its session's. */
  const assertCsrf = (request: FastifyRequest, session: DashboardSession) => {
    if (!sameToken(formField(request.body, 'csrf'), session.csrf))
      throw new AppError(
        'AUTH_INSUFFICIENT_SCOPE',
        'The form was refused: it did not come from this dashboard session. Reload the page and try again.',
      );
  };

  app.get('/sign-in', { schema: hidden }, async (request, reply) => {
    if (await signedIn(request)) return reply.redirect('/dashboard', 303);
    return sendPage(reply, signInPage());
  });

  app.post('/sign-in', { schema: hidden }, async (request, reply) => {
    const clientId = formField(request.body, 'client_id')?.trim() ?? '';
    const secret = formField(request.body, 'client_secret') ?? '';
    const refuse = (status: number, message: string) =>
      sendPage(reply, signInPage({ message, clientId: clientId.slice(0, 200) }), status);
    if (!clientId || !secret) return refuse(400, 'Enter the client ID and the client secret.');
    try {
      failures.assertAllowed(request, clientId);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      reply.header('retry-after', String(error.retryAfterSeconds ?? 60));
      return refuse(429, `${error.message.replace('authentications', 'sign-ins')}`);
    }
    const client =
      clientId.length <= 200 && secret.length <= 500
        ? await authenticateClient(engine.db, clientId, secret)
        : undefined;
    if (!client) {
      failures.record(request, clientId);
      request.log.info({ client_id: clientId.slice(0, 64) }, 'dashboard sign-in refused');
      return refuse(401, 'The client ID or the client secret is not right.');
    }
    const { token } = await sessions.issue(client);
    request.log.info({ client_id: client.id }, 'dashboard sign-in');
    return reply
      .header('set-cookie', setCookie(request, SESSION_COOKIE, token, SESSION_SECONDS))
      .redirect('/dashboard', 303);
  });

  app.post('/sign-out', { schema: hidden }, async (request, reply) => {
    const current = await signedIn(request);
    if (!current) return toSignIn(request, reply);
    assertCsrf(request, current.session);
    sessions.end(current.session);
    return reply
      .header('set-cookie', clearCookie(request, SESSION_COOKIE))
      .redirect('/dashboard/sign-in', 303);
  });

  await app.register(pageRoutes, { engine, signedIn, toSignIn, assertCsrf });
}
