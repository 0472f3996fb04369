// Native API for connections: an end user's access to one institution.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Language } from '../../connectors/connector.ts';
import { AppError } from '../../domain/errors.ts';
import { authOf } from '../../http/auth.ts';
import { withIdempotency } from '../../http/idempotency.ts';
import { answerChallengeAndWait } from '../../services/challenge-answer.ts';
import { listConnections, listRefreshes } from '../../services/connection-list.ts';
import { presentConnection, presentRefresh } from '../../services/connection-view.ts';
import {
  createConnection,
  deleteConnection,
  disableConnection,
  enableConnection,
  getConnectionOrThrow,
  requestReauthentication,
  requestRefresh,
  updateConnectionSettings,
  updateCredentials,
} from '../../services/connections.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { deleteConnectionsOf } from '../../services/end-users.ts';
import { findRefresh } from '../../store/connections.ts';
import { IdempotencyHeaders, Ref, registerSchemas } from '../common.schemas.ts';
import {
  challengedConnectionExample,
  createdConnectionExample,
  queuedRefreshExample,
} from '../openapi/examples.ts';
import {
  answer,
  anyBody,
  idempotent,
  invalidField,
  jsonBody,
  pathId,
  problems,
  query,
  withScopes,
} from '../responses.ts';
import {
  ChallengeAnswerRequest,
  ConnectionList,
  ConnectionParams,
  CreateConnectionRequest,
  ConnectionRef as connectionRef,
  connectionSchemas,
  DeletedConnectionsSchema,
  EndUserQuery,
  LanguageQuery,
  ListConnectionsQuery,
  RefreshList,
  RefreshListQuery,
  RefreshRef as refreshRef,
  UpdateConnectionRequest,
  UpdateCredentialsRequest,
} from './connections.schemas.ts';

const tags = ['Connections'];

/** The problems of a route acting on one connection of the caller's. */
const onConnection = [withScopes, pathId, { NOT_FOUND: 'No connection con_3zuaj5q6r7wley95.' }] as const;
/** A credentials form checked against the institution's fields (services/connections.ts). */
const badCredentials = invalidField('body', ['credentials', 'password'], 'is required');

export const connectionRoutes: FastifyPluginAsyncTypebox<{ engine: ServiceDeps }> = async (app, deps) => {
  const { engine } = deps;
  const db = engine.db;
  registerSchemas(app, [
    ...connectionSchemas,
    CreateConnectionRequest,
    UpdateConnectionRequest,
    UpdateCredentialsRequest,
    ChallengeAnswerRequest,
    DeletedConnectionsSchema,
  ]);

  // One snapshot: the status, the refresh in flight and the challenge must agree with each other.
  const view = (clientId: string, id: string, language: Language = 'en') =>
    db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) =>
        presentConnection(trx, await getConnectionOrThrow(trx, clientId, id), language),
      );

  /**
   * A challenge closed as failed with no attempts left: too many wrong answers, or the login failed
   * after the answer for another reason (the institution is down, asks the end user to act…), which
   * the refresh engine also closes the challenge for. The second is said as it is: the connection's
   * status detail, not "too many wrong answers".
   */
  const failedLoginExplained = async (clientId: string, id: string, error: unknown) => {
    if (!(error instanceof AppError) || error.code !== 'CHALLENGE_FAILED') return error;
    if (error.extensions.attempts_left !== 0) return error;
    const connection = await getConnectionOrThrow(db, clientId, id);
    if (connection.status === 'challenge_required') return error;
    return new AppError(
      'CHALLENGE_FAILED',
      `The login failed after the answer: ${connection.status_detail}`,
      { extensions: { attempts_left: 0 } },
    );
  };

  app.post(
    '/v1/connections',
    {
      config: { scopes: ['connections:write'] },
      schema: {
        tags,
        operationId: 'createConnection',
        summary: 'Create a connection',
        description:
          "Connects an institution with the end user's credentials. Answers 201 at once with status `pending`; the extraction runs in the background (poll GET /v1/connections/{id}). Send `Idempotency-Key` to make retries safe. With `unique_credentials: true`, a second connection of the same login (institution and username-like fields) is refused with 409 CONNECTION_DUPLICATE.",
        body: Ref(CreateConnectionRequest),
        headers: IdempotencyHeaders,
        response: {
          201: answer(
            connectionRef,
            'The connection, status `pending`: its first extraction is queued.',
            createdConnectionExample,
          ),
          ...problems(withScopes, jsonBody, idempotent, 'CONNECTION_DUPLICATE', {
            VALIDATION_FAILED: badCredentials,
          }),
        },
      },
    },
    async (request, reply) => {
      const { client } = authOf(request);
      const result = await withIdempotency(db, client.id, request, reply, 201, async () => {
        const id = await createConnection(engine, client.id, request.body);
        return view(client.id, id);
      });
      if (reply.statusCode === 200) reply.code(201);
      return result;
    },
  );

  app.get(
    '/v1/connections',
    {
      config: { scopes: ['connections:read'] },
      schema: {
        tags,
        operationId: 'listConnections',
        summary: 'List connections',
        description: 'Filters given are ANDed; `count=true` adds `total`, the connections matching them.',
        querystring: ListConnectionsQuery,
        response: {
          200: answer(ConnectionList, 'A page of connections, oldest first.'),
          ...problems(withScopes, query),
        },
      },
    },
    async (request) => listConnections(db, authOf(request).client.id, request.query),
  );

  app.get(
    '/v1/connections/:id',
    {
      config: { scopes: ['connections:read'] },
      schema: {
        tags,
        operationId: 'getConnection',
        summary: 'Get a connection',
        description: 'Status, per-product progress, the open challenge (if any) and the refresh in flight.',
        params: ConnectionParams,
        querystring: LanguageQuery,
        response: { 200: answer(connectionRef, 'The connection.'), ...problems(...onConnection, query) },
      },
    },
    async (request) => view(authOf(request).client.id, request.params.id, request.query.language),
  );

  app.patch(
    '/v1/connections/:id',
    {
      config: { scopes: ['connections:write'] },
      schema: {
        tags,
        operationId: 'updateConnection',
        summary: 'Change connection settings',
        description:
          'Changes `history_days`, `refresh_interval` (recurrent only), `scheduled_refresh` (pause or resume the schedule), `access_mode` and `products` (the whole new list, each offered by the institution); `refresh: true` also queues a refresh. Validated whole: a bad value changes nothing. Switching to `single` stops scheduled refreshes and drops the credentials once nothing is left to extract; switching to `recurrent` needs the credentials still held (409 CONNECTION_CONSENT_ENDED). Records of removed products stay readable. Answers the connection.',
        params: ConnectionParams,
        body: Ref(UpdateConnectionRequest),
        response: {
          200: answer(connectionRef, 'The connection, with its new settings.'),
          ...problems(...onConnection, jsonBody, 'CONNECTION_CONSENT_ENDED', {
            // `refresh: true` on a disabled connection.
            CONNECTION_DISABLED: 'Enable the connection before refreshing it.',
            VALIDATION_FAILED: invalidField('body', ['products', 0], 'is not offered by Banco Sandbox'),
          }),
        },
      },
    },
    async (request) => {
      const { client } = authOf(request);
      await updateConnectionSettings(engine, client.id, request.params.id, request.body);
      return view(client.id, request.params.id);
    },
  );

  app.post(
    '/v1/connections/:id/reauthenticate',
    {
      config: { scopes: ['connections:write'] },
      schema: {
        tags,
        operationId: 'reauthenticateConnection',
        summary: 'Ask for a new login',
        description:
          'The end user must log in again (SCA) before the connection is refreshed by itself: `needs_user` becomes true and scheduled refreshes pause; the status and the data stay as they are. A queued or running refresh is abandoned (one waiting on a challenge is kept). New credentials (PUT …/credentials, or a Connect session in update mode), a completed challenge or a successful refresh end it.',
        params: ConnectionParams,
        response: {
          200: answer(connectionRef, 'The connection, `needs_user: true`.'),
          ...problems(...onConnection, anyBody, {
            CONNECTION_DISABLED: 'Enable the connection before asking for a new login.',
          }),
        },
      },
    },
    async (request) => {
      const { client } = authOf(request);
      await requestReauthentication(engine, client.id, request.params.id);
      return view(client.id, request.params.id);
    },
  );

  app.post(
    '/v1/connections/:id/challenge',
    {
      config: { scopes: ['connections:write'] },
      schema: {
        tags,
        operationId: 'answerConnectionChallenge',
        summary: 'Answer a challenge',
        description:
          "Sends the end user's answer (`answers` keyed by the challenge field names) and resumes the waiting extraction. Answers 200 with the connection once the institution has accepted it, 422 CHALLENGE_FAILED with `attempts_left` if it was wrong (`attempts_left` 0: the refresh failed, for too many wrong answers or because the login failed after the answer, as `detail` and the connection's status say), or 202 if the institution is still deciding.",
        params: ConnectionParams,
        body: Ref(ChallengeAnswerRequest),
        response: {
          200: answer(connectionRef, 'The institution accepted the answer: the extraction goes on.'),
          202: answer(
            connectionRef,
            'The institution is still deciding (an app approval, say): poll the connection.',
            challengedConnectionExample,
          ),
          ...problems(...onConnection, jsonBody, 'CHALLENGE_NOT_OPEN', 'CHALLENGE_FAILED', {
            VALIDATION_FAILED: invalidField(
              'body',
              ['answers', 'code'],
              'does not match the expected format ^\\d{6}$',
            ),
          }),
        },
      },
    },
    async (request, reply) => {
      const { client } = authOf(request);
      const { id } = request.params;
      let deciding: boolean;
      try {
        ({ deciding } = await answerChallengeAndWait(engine, client.id, id, request.body.answers));
      } catch (error) {
        throw await failedLoginExplained(client.id, id, error);
      }
      if (deciding) reply.code(202);
      return view(client.id, id);
    },
  );

  app.put(
    '/v1/connections/:id/credentials',
    {
      config: { scopes: ['connections:write'] },
      schema: {
        tags,
        operationId: 'updateConnectionCredentials',
        summary: 'Update credentials',
        description:
          'The end user changed their password (Datanomik PUT, Flanks reset flow): the connection and every data id stay the same; a refresh starts.',
        params: ConnectionParams,
        body: Ref(UpdateCredentialsRequest),
        response: {
          202: answer(refreshRef, 'The refresh the new credentials start.', {
            ...queuedRefreshExample,
            trigger: 'credentials_update',
          }),
          ...problems(...onConnection, jsonBody, {
            CONNECTION_DISABLED: 'Enable the connection before updating it.',
            VALIDATION_FAILED: badCredentials,
          }),
        },
      },
    },
    async (request, reply) => {
      const { client } = authOf(request);
      const refreshId = await updateCredentials(
        engine,
        client.id,
        request.params.id,
        request.body.credentials,
      );
      reply.code(202);
      return presentRefresh((await findRefresh(db, refreshId))!);
    },
  );

  app.post(
    '/v1/connections/:id/refresh',
    {
      config: { scopes: ['connections:write'] },
      schema: {
        tags,
        operationId: 'refreshConnection',
        summary: 'Refresh now',
        description:
          'Queues a refresh; a refresh already in flight is returned instead of starting a second one.',
        params: ConnectionParams,
        response: {
          202: answer(refreshRef, 'The refresh queued, or the one in flight.', queuedRefreshExample),
          ...problems(...onConnection, anyBody, 'CONNECTION_DISABLED', 'CONNECTION_CONSENT_ENDED'),
        },
      },
    },
    async (request, reply) => {
      const refreshId = await requestRefresh(engine, authOf(request).client.id, request.params.id);
      reply.code(202);
      return presentRefresh((await findRefresh(db, refreshId))!);
    },
  );

  app.get(
    '/v1/connections/:id/refreshes',
    {
      config: { scopes: ['connections:read'] },
      schema: {
        tags,
        operationId: 'listConnectionRefreshes',
        summary: 'List refreshes',
        description:
          'Extraction runs of the connection, newest first, with timing and added / modified / removed counts.',
        params: ConnectionParams,
        querystring: RefreshListQuery,
        response: {
          200: answer(RefreshList, 'The latest refreshes, newest first.'),
          ...problems(...onConnection, query),
        },
      },
    },
    async (request) =>
      listRefreshes(db, authOf(request).client.id, request.params.id, request.query.page_size),
  );

  for (const action of ['disable', 'enable'] as const) {
    app.post(
      `/v1/connections/:id/${action}`,
      {
        config: { scopes: ['connections:write'] },
        schema: {
          tags,
          operationId: `${action}Connection`,
          summary: action === 'disable' ? 'Disable a connection' : 'Enable a connection',
          description:
            action === 'disable'
              ? 'Stops every refresh; the data stays readable (Datanomik: disabling a link).'
              : 'Allows refreshes again and starts one.',
          params: ConnectionParams,
          response: {
            200: answer(
              connectionRef,
              action === 'disable' ? 'The connection, `disabled`.' : 'The connection, `pending` again.',
            ),
            ...problems(...onConnection, anyBody),
          },
        },
      },
      async (request) => {
        const { client } = authOf(request);
        const { id } = request.params;
        if (action === 'disable') await disableConnection(engine, client.id, id);
        else await enableConnection(engine, client.id, id);
        return view(client.id, id);
      },
    );
  }

  app.delete(
    '/v1/connections/:id',
    {
      config: { scopes: ['connections:write'] },
      schema: {
        tags,
        operationId: 'deleteConnection',
        summary: 'Delete a connection',
        description:
          'Deletes the connection, its credentials and every record and raw record derived from it, in one transaction.',
        params: ConnectionParams,
        response: {
          204: Type.Null({ description: 'Deleted, with everything extracted from it.' }),
          ...problems(...onConnection, anyBody),
        },
      },
    },
    async (request, reply) => {
      await deleteConnection(db, authOf(request).client.id, request.params.id);
      reply.code(204); // and no body
    },
  );

  app.delete(
    '/v1/connections',
    {
      config: { scopes: ['connections:write'] },
      schema: {
        tags,
        operationId: 'deleteEndUserConnections',
        summary: 'Delete every connection of an end user',
        description:
          'Deletes every connection whose `external_id` is the one given, with all their data, in one ' +
          'transaction (an end user who leaves: all or nothing). A `connection.deleted` event for each.',
        querystring: EndUserQuery,
        response: {
          200: answer(Ref(DeletedConnectionsSchema), 'The connections deleted (none is an empty list).'),
          ...problems(withScopes, query, anyBody),
        },
      },
    },
    async (request) => ({
      deleted: await deleteConnectionsOf(engine, authOf(request).client.id, request.query.external_id),
    }),
  );
};
