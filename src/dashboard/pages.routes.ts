// The signed-in pages. Each route reads through use cases scoped to the session's client (an id
// of another client is NOT_FOUND, answered with the 404 page) and renders a page module. The one
// form that changes something, Replay, carries the session's CSRF token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { connectionStatuses } from '../domain/connection-status.ts';
import { AppError } from '../domain/errors.ts';
import { listBalanceHistory } from '../services/balance-history.ts';
import { listConnections, listRefreshes } from '../services/connection-list.ts';
import { presentConnection } from '../services/connection-view.ts';
import { getConnectionOrThrow } from '../services/connections.ts';
import {
  accountsOfConnection,
  challengesOfConnection,
  connectionCountsByStatus,
  importPage,
  latestRefreshesOfClient,
} from '../services/dashboard-reads.ts';
import {
  getEndpointOrThrow,
  getEventOrThrow,
  listDeliveries,
  listEndpoints,
  listEvents,
  presentEndpoint,
  resendEvent,
} from '../services/webhooks.ts';
import type { BalancePoint } from './charts.ts';
import { connectionPage } from './pages/connection.ts';
import { connectionsPage } from './pages/connections.ts';
import { eventPage, eventsPage } from './pages/events.ts';
import { importsPage } from './pages/imports.ts';
import type { Viewer } from './pages/layout.ts';
import { overviewPage } from './pages/overview.ts';
import { webhookPage, webhooksPage } from './pages/webhooks.ts';
import {
  clearCookie,
  formField,
  hidden,
  type PageDeps,
  type SignedIn,
  sendPage,
  setCookie,
} from './respond.ts';
import { cookieValue } from './session.ts';

const PAGE_SIZE = 25;
/** How far back an account's chart goes. */
const CHART_DAYS = 365;
/** Snapshots read for one connection's charts at most (every account, every day of the range). */
const CHART_ROWS = 20_000;
const FLASH_COOKIE = 'tesoro_dashboard_flash';

const Cursor = Type.Optional(Type.String({ maxLength: 1024 }));
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const optional = (value: string | undefined) => (value === '' ? undefined : value);

export const pageRoutes: FastifyPluginAsyncTypebox<PageDeps> = async (app, deps) => {
  const { engine } = deps;
  const { db } = engine;
  const sessions = new WeakMap<FastifyRequest, SignedIn>();

  // Every page needs a valid session; without one nothing below runs.
  app.addHook('onRequest', async (request, reply) => {
    const current = await deps.signedIn(request);
    if (!current) return deps.toSignIn(request, reply);
    sessions.set(request, current);
  });

  const current = (request: FastifyRequest) => sessions.get(request)!;
  const viewerOf = (request: FastifyRequest): Viewer => {
    const { client, session } = current(request);
    return { clientId: client.id, clientName: client.name, csrf: session.csrf };
  };
  const clientOf = (request: FastifyRequest) => current(request).client.id;
  const institutionName = (id: string) => engine.registry.institutionOf(id)?.name ?? id;

  app.get('/', { schema: hidden }, async (request, reply) => {
    const clientId = clientOf(request);
    const [counts, refreshes, events] = await Promise.all([
      connectionCountsByStatus(db, clientId),
      latestRefreshesOfClient(db, clientId, 8),
      listEvents(db, clientId, { page_size: 8 }),
    ]);
    return sendPage(reply, overviewPage(viewerOf(request), { counts, refreshes, events: events.data }));
  });

  app.get(
    '/connections',
    {
      schema: {
        ...hidden,
        querystring: Type.Object({ status: Type.Optional(Type.String({ maxLength: 64 })), cursor: Cursor }),
      },
    },
    async (request, reply) => {
      const status = optional(request.query.status);
      if (status !== undefined && !(connectionStatuses as readonly string[]).includes(status))
        throw new AppError('VALIDATION_FAILED', `There is no connection status ${status}.`);
      const cursor = optional(request.query.cursor);
      const page = await listConnections(db, clientOf(request), {
        status: status as (typeof connectionStatuses)[number] | undefined,
        page_size: PAGE_SIZE,
        cursor,
        count: true,
      });
      return sendPage(reply, connectionsPage(viewerOf(request), page, { status, cursor }, institutionName));
    },
  );

  app.get('/connections/:id', { schema: { ...hidden, params: IdParams } }, async (request, reply) => {
    const clientId = clientOf(request);
    const row = await getConnectionOrThrow(db, clientId, request.params.id);
    const from = new Date(engine.now().getTime() - CHART_DAYS * 86_400_000).toISOString().slice(0, 10);
    const [connection, refreshes, challenges, accounts, balances] = await Promise.all([
      presentConnection(db, row),
      listRefreshes(db, clientId, row.id, PAGE_SIZE),
      challengesOfConnection(db, clientId, row.id),
      accountsOfConnection(db, clientId, row.id),
      listBalanceHistory(engine, clientId, { connectionId: row.id, from, limit: CHART_ROWS, offset: 0 }),
    ]);
    const history = new Map<string, BalancePoint[]>();
    for (const entry of balances.data) {
      const points = history.get(entry.account_id) ?? [];
      points.push({ date: entry.date, balance: Number(entry.balance) });
      history.set(entry.account_id, points);
    }
    return sendPage(
      reply,
      connectionPage(viewerOf(request), {
        connection,
        institutionName: institutionName(row.institution_id),
        refreshes: refreshes.data,
        challenges,
        accounts: accounts.map((account) => ({ account, history: history.get(account.id) ?? [] })),
      }),
    );
  });

  app.get(
    '/webhooks',
    { schema: { ...hidden, querystring: Type.Object({ cursor: Cursor }) } },
    async (request, reply) => {
      const cursor = optional(request.query.cursor);
      const page = await listEndpoints(db, clientOf(request), { page_size: PAGE_SIZE, cursor });
      return sendPage(reply, webhooksPage(viewerOf(request), page, cursor));
    },
  );

  app.get(
    '/webhooks/:id',
    { schema: { ...hidden, params: IdParams, querystring: Type.Object({ cursor: Cursor }) } },
    async (request, reply) => {
      const clientId = clientOf(request);
      const endpoint = presentEndpoint(await getEndpointOrThrow(db, clientId, request.params.id));
      const cursor = optional(request.query.cursor);
      const page = await listDeliveries(db, clientId, endpoint.id, { page_size: PAGE_SIZE, cursor });
      // The message a Replay left for this page, shown once.
      const left = cookieValue(request.headers.cookie, FLASH_COOKIE);
      const replayed = /^replayed\.(evt_[0-9a-z]{1,60})$/.exec(left ?? '')?.[1];
      if (left !== undefined) reply.header('set-cookie', clearCookie(request, FLASH_COOKIE));
      const flash = replayed
        ? `Event ${replayed} was queued again for delivery to this endpoint.`
        : undefined;
      return sendPage(reply, webhookPage(viewerOf(request), endpoint, page, { cursor, flash }));
    },
  );

  // Replay: the event is sent again to this endpoint as a new delivery (its earlier ones stay).
  app.post('/webhooks/:id/replay', { schema: { ...hidden, params: IdParams } }, async (request, reply) => {
    const { client, session } = current(request);
    deps.assertCsrf(request, session);
    const eventId = formField(request.body, 'event_id');
    if (!eventId || eventId.length > 64)
      throw new AppError('VALIDATION_FAILED', 'No event to replay was named.');
    const { endpoint_ids } = await resendEvent(db, client.id, eventId, request.params.id);
    request.log.info({ client_id: client.id, event_id: eventId, endpoint_ids }, 'dashboard replay');
    return reply
      .header('set-cookie', setCookie(request, FLASH_COOKIE, `replayed.${eventId}`, 60))
      .redirect(`/dashboard/webhooks/${encodeURIComponent(request.params.id)}`, 303);
  });

  app.get(
    '/events',
    {
      schema: {
        ...hidden,
        querystring: Type.Object({ type: Type.Optional(Type.String({ maxLength: 64 })), cursor: Cursor }),
      },
    },
    async (request, reply) => {
      const type = optional(request.query.type);
      const cursor = optional(request.query.cursor);
      const page = await listEvents(db, clientOf(request), { type, page_size: PAGE_SIZE, cursor });
      return sendPage(reply, eventsPage(viewerOf(request), page, { type, cursor }));
    },
  );

  app.get('/events/:id', { schema: { ...hidden, params: IdParams } }, async (request, reply) =>
    sendPage(
      reply,
      eventPage(viewerOf(request), await getEventOrThrow(db, clientOf(request), request.params.id)),
    ),
  );

  app.get(
    '/imports',
    { schema: { ...hidden, querystring: Type.Object({ cursor: Cursor }) } },
    async (request, reply) => {
      const cursor = optional(request.query.cursor);
      const page = await importPage(db, clientOf(request), { page_size: PAGE_SIZE, cursor });
      return sendPage(reply, importsPage(viewerOf(request), page, cursor));
    },
  );
};
