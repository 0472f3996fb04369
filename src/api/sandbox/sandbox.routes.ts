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
import { Ref, registerSchemas } from '../common.schemas.ts';
import {
  ConnectionParams,
  ConnectionRef as connectionRef,
  connectionSchemas,
} from '../connections/connections.schemas.ts';
import {
  resetConnectionExample,
  sandboxFiredExample,
  sandboxStatusRequestExample,
  sandboxWebhookRequestExample,
} from '../openapi/examples.ts';
import { answer, jsonBody, pathId, problems, withScopes } from '../responses.ts';

const tags = ['Sandbox'];

const SandboxStatusRequest = Type.Object(
  {
    status: Type.Union(
      forcibleStatuses.map((status) => Type.Literal(status)),
      {
        description:
          '`credentials_invalid`: as if the end user changed their password at the bank; `consent_expired`: as if their consent ended.',
      },
    ),
  },
  { $id: 'SandboxStatusRequest', additionalProperties: false, examples: [sandboxStatusRequestExample] },
);

const SandboxWebhookRequest = Type.Object(
  {
    type: Type.Union(
      fireableEvents.map((type) => Type.Literal(type)),
      { description: 'The event to send, with the connection’s real figures.' },
    ),
  },
  { $id: 'SandboxWebhookRequest', additionalProperties: false, examples: [sandboxWebhookRequestExample] },
);

const SandboxWebhookSchema = Type.Object(
  {
    event_id: Type.String({ description: 'The event recorded (GET /v1/events/{id}).' }),
    type: Type.String(),
  },
  {
    $id: 'SandboxWebhook',
    additionalProperties: false,
    description: 'The event a sandbox connection was made to send.',
    examples: [sandboxFiredExample],
  },
);

/** The problems of both tools: a connection of the caller's, of a sandbox institution, enabled. */
const sandboxProblems = [
  withScopes,
  pathId,
  jsonBody,
  'SANDBOX_ONLY',
  {
    NOT_FOUND: 'No connection con_3zuaj5q6r7wley95.',
    CONNECTION_DISABLED: 'Enable the connection before changing it.',
  },
] as const;

export const sandboxRoutes: FastifyPluginAsyncTypebox<{ engine: ServiceDeps }> = async (app, deps) => {
  const { engine } = deps;
  registerSchemas(app, [
    ...connectionSchemas,
    SandboxStatusRequest,
    SandboxWebhookRequest,
    SandboxWebhookSchema,
  ]);

  app.post(
    '/v1/sandbox/connections/:id/status',
    {
      config: { scopes: ['connections:write'] },
      schema: {
        tags,
        operationId: 'forceSandboxConnectionStatus',
        summary: 'Force a sandbox connection into a status',
        description:
          "Like Plaid's /sandbox/item/reset_login: the connection fails as a refresh would (a refresh with trigger `sandbox`, " +
          '`needs_user: true`), sending `refresh.failed` and `connection.status_changed`. Send the end user through ' +
          'Connect in update mode (or PUT new credentials) to bring it back. Sandbox institutions only (409 SANDBOX_ONLY).',
        params: ConnectionParams,
        body: Ref(SandboxStatusRequest),
        response: {
          200: answer(connectionRef, 'The connection, failed as asked.', resetConnectionExample),
          ...problems(...sandboxProblems, 'CONNECTION_BUSY'),
        },
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
        operationId: 'fireSandboxWebhook',
        summary: 'Make a sandbox connection send a webhook',
        description:
          "Like Plaid's /sandbox/item/fire_webhook: records the event (and delivers it to every endpoint subscribed to it) " +
          'with the connection’s real figures: `connection.historical_update` with its products, `connection.updated` ' +
          'with its last refresh’s counts and sync cursor, `connection.consent_expiring` with its consent end (7 days ' +
          'ahead when it has none). Sandbox institutions only (409 SANDBOX_ONLY).',
        params: ConnectionParams,
        body: Ref(SandboxWebhookRequest),
        response: {
          202: answer(Ref(SandboxWebhookSchema), 'The event, recorded and queued for delivery.'),
          ...problems(...sandboxProblems),
        },
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
