// Sandbox tools (services/sandbox-tools.ts): force a sandbox connection into a status that needs
// its end user, or make it send a webhook, so an integration's handling of both can be tested.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { authOf } from '../../http/auth.ts';
import { presentConnection } from '../../services/connection-view.ts';
import { getConnectionOrThrow } from '../../services/connections.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import {
  fireableEvents,
  fireWebhook,
  forceConnectionStatus,
  forcibleStatuses,
} from '../../services/sandbox-tools.ts';
import { problemResponses } from '../common.schemas.ts';
import {
  ChallengeSchema,
  ConnectionParams,
  ConnectionSchema,
  ConnectionRef as connectionRef,
  RefreshSchema,
} from '../connections/connections.schemas.ts';

const tags = ['Sandbox'];

const StatusBody = Type.Object(
  {
    status: Type.Union(
      forcibleStatuses.map((status) => Type.Literal(status)),
      {
        description:
          '`credentials_invalid`: as if the end user changed their password at the bank; `consent_expired`: as if their consent ended.',
      },
    ),
  },
  { additionalProperties: false, examples: [{ status: 'credentials_invalid' }] },
);

const WebhookBody = Type.Object(
  {
    type: Type.Union(
      fireableEvents.map((type) => Type.Literal(type)),
      { description: 'The event to send, with the connection’s real figures.' },
    ),
  },
  { additionalProperties: false, examples: [{ type: 'connection.updated' }] },
);

const FiredEvent = Type.Object(
  {
    event_id: Type.String({ examples: ['evt_4f2k9s0q1m3n5b7v'] }),
    type: Type.String({ examples: ['connection.updated'] }),
  },
  { additionalProperties: false },
);

export const sandboxRoutes: FastifyPluginAsyncTypebox<{ engine: ServiceDeps }> = async (app, deps) => {
  const { engine } = deps;
  app.addSchema(ChallengeSchema);
  app.addSchema(RefreshSchema);
  app.addSchema(ConnectionSchema);

  app.post(
    '/v1/sandbox/connections/:id/status',
    {
      config: { scopes: ['connections:write'] },
      schema: {
        tags,
        summary: 'Force a sandbox connection into a status',
        description:
          "Like Plaid's /sandbox/item/reset_login: the connection fails as a refresh would (a refresh with trigger `sandbox`, " +
          '`needs_user: true`), sending `refresh.failed` and `connection.status_changed`. Send the end user through ' +
          'Connect in update mode (or PUT new credentials) to bring it back. Sandbox institutions only (409 SANDBOX_ONLY).',
        params: ConnectionParams,
        body: StatusBody,
        response: { 200: connectionRef, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { client } = authOf(request);
      await forceConnectionStatus(engine, client.id, request.params.id, request.body.status);
      return presentConnection(
        engine.db,
        await getConnectionOrThrow(engine.db, client.id, request.params.id),
      );
    },
  );

  app.post(
    '/v1/sandbox/connections/:id/webhooks',
    {
      config: { scopes: ['connections:write'] },
      schema: {
        tags,
        summary: 'Make a sandbox connection send a webhook',
        description:
          "Like Plaid's /sandbox/item/fire_webhook: records the event (and delivers it to every endpoint subscribed to it) " +
          'with the connection’s real figures: `connection.historical_update` with its products, `connection.updated` ' +
          'with its last refresh’s counts and sync cursor, `connection.consent_expiring` with its consent end (7 days ' +
          'ahead when it has none). Sandbox institutions only (409 SANDBOX_ONLY).',
        params: ConnectionParams,
        body: WebhookBody,
        response: { 202: FiredEvent, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { client } = authOf(request);
      const eventId = await fireWebhook(engine, client.id, request.params.id, request.body.type);
      reply.code(202);
      return { event_id: eventId, type: request.body.type };
    },
  );
};
