// Powens' connections (SPEC §5.4 P10–P15). Powens answers the login itself: adding a connection
// is 201 with its `state` (`null`, `additionalInformationNeeded` with the `fields` to send,
// `decoupled`, …) or 400 `wrongpass`; sending the additional information answers the new state.
// A native connection call returns at once, so the facade waits for the login's outcome
// (services/login-wait.ts) for up to ten seconds; past that the connection is answered as it is
// (`state: null`, `last_update: null`: still synchronising). A refused new connection is deleted:
// Powens creates none.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.ts';
import { answerChallengeAndWait } from '../../services/challenge-answer.ts';
import {
  activeRefreshIdOf,
  createConnection,
  deleteConnection,
  disableConnection,
  enableConnection,
  requestRefresh,
  updateCredentials,
} from '../../services/connections.ts';
import { waitForLogin } from '../../services/login-wait.ts';
import { withoutIds } from '../shared/openapi.ts';
import { sendJson } from '../shared/stream.ts';
import { externalIdOf, type UserScope, userScopeOf } from './auth.ts';
import type { PowensDeps } from './deps.ts';
import { powensAnswers } from './errors.ts';
import { powensState } from './map.ts';
import { boolOf, dateTimeOf, expandOf, textOf } from './params.ts';
import {
  type ConnectionExpansion,
  connectionIdsOf,
  connectionOfId,
  connectionViews,
  powensConnections,
  type ReadScope,
} from './reads.ts';
import { institutionOfConnector } from './sandbox-map.ts';
import {
  Connection,
  ConnectionList,
  ConnectionParams,
  CreateConnectionBody,
  ExpandQuery,
  PowensError,
  SyncQuery,
  UpdateConnectionBody,
  UserParams,
} from './schemas.ts';

/** How long a call waits for the bank's verdict before answering the connection as it is. */
export const LOGIN_WAIT_MS = 10_000;
const POLL_MS = 100;

/** Body parameters that are Powens' own, never a connector field. */
const powensParameters = new Set([
  'id_connector',
  'connector_uuid',
  'id_bank',
  'id_provider',
  'active',
  'decoupled',
  'background',
  'expire',
  'source',
  'expand',
]);

const expansionOf = (value: unknown, since?: string): ConnectionExpansion => {
  const items = expandOf(value);
  return {
    connector: items.has('connector'),
    accounts: items.has('accounts'),
    transactions: items.has('accounts[transactions]'),
    ...(since ? { transactionsSince: since } : {}),
  };
};

const errors = { 400: PowensError, 401: PowensError, 403: PowensError, 404: PowensError };

export const connectionRoutes: FastifyPluginAsync<PowensDeps> = async (app, deps) => {
  const { engine, registry } = deps;

  const readScopeOf = (scope: UserScope): ReadScope => ({ clientId: scope.clientId, idUser: scope.user?.id });

  async function answer(
    reply: FastifyReply,
    scope: UserScope,
    connectionId: string,
    expand: ConnectionExpansion,
    status = 200,
  ) {
    const view = await connectionOfId(
      engine,
      readScopeOf(scope),
      await intIdOf(scope.clientId, connectionId),
    );
    const [connection] = await powensConnections(engine, registry, scope.clientId, [view], expand);
    return sendJson(reply, connection, status);
  }

  async function intIdOf(clientId: string, nativeId: string): Promise<number> {
    return (await connectionIdsOf(engine, clientId, [nativeId])).get(nativeId)!;
  }

  /** The connection a path names, of the scope's user: its native view. */
  async function named(request: FastifyRequest) {
    const scope = await userScopeOf(engine, request);
    const { id_connection: id } = request.params as { id_connection: string };
    const view = await connectionOfId(engine, readScopeOf(scope), id);
    return { scope, view };
  }

  /** Waits for the login of the connection's latest refresh; null when it is still running. */
  async function loginOutcome(clientId: string, connectionId: string) {
    return waitForLogin(engine, clientId, connectionId, { timeoutMs: LOGIN_WAIT_MS });
  }

  /** The credentials a body carries: every field of the connector's form it names (`login` = `username`). */
  function credentialsOf(institutionId: string, body: Record<string, unknown>): Record<string, string> {
    const institution = registry.findInstitution(institutionId)!;
    const names = new Set(institution.fields.map((field) => field.name));
    const credentials: Record<string, string> = {};
    for (const [name, value] of Object.entries(body)) {
      if (powensParameters.has(name)) continue;
      const key =
        name === 'login' && names.has('username') && body.username === undefined ? 'username' : name;
      if (!names.has(key)) continue;
      const text = textOf(value);
      if (text === undefined) throw powensAnswers.invalid(name, 'a string');
      credentials[key] = text;
    }
    return credentials;
  }

  app.post(
    '/users/:id_user/connections',
    {
      config: {
        powensAuth: 'user',
        powensScopes: ['connections:write'],
        doc: {
          tag: 'Connections',
          summary: 'Add a connection (the login is answered synchronously)',
          description:
            '`id_connector` (or `connector_uuid`) and each field of the connector’s form (`expand=fields` on the connector) by name. 201 with the connection and its `state`: `null` (logged in, synchronising), `additionalInformationNeeded` (send the `fields` with POST on the connection), `decoupled` (approve in the bank’s app), …; 400 `wrongpass` when the bank refuses the login (no connection is kept).',
          responses: { 201: Connection, ...errors },
        },
      },
      schema: { params: withoutIds(UserParams), body: CreateConnectionBody, querystring: ExpandQuery },
    },
    async (request, reply) => {
      const scope = await userScopeOf(engine, request);
      if (!scope.user) throw powensAnswers.invalid('id_user', 'one user: an id or `me`');
      const body = (request.body ?? {}) as Record<string, unknown>;
      const given = body.id_connector ?? body.connector_uuid;
      if (given === undefined || given === '') throw powensAnswers.missing('id_connector');
      const candidates = registry
        .institutions()
        .filter((institution) => institution.kind !== 'file')
        .map((institution) => institution.id);
      const institutionId = institutionOfConnector(given as string | number, candidates);
      if (!institutionId) throw powensAnswers.notFound('connector');
      const connectionId = await createConnection(engine, scope.clientId, {
        institution_id: institutionId,
        credentials: credentialsOf(institutionId, body),
        access_mode: 'recurrent',
        external_id: externalIdOf(scope.user.id),
      });
      const outcome = await loginOutcome(scope.clientId, connectionId);
      if (outcome.outcome === 'failed') {
        // Powens keeps no connection whose login was refused.
        await deleteConnection(engine.db, scope.clientId, connectionId);
        throw powensAnswers.loginFailed(powensState(outcome.status, null) ?? 'bug', null);
      }
      return answer(
        reply,
        scope,
        connectionId,
        expansionOf((request.query as { expand?: string }).expand),
        201,
      );
    },
  );

  app.get(
    '/users/:id_user/connections',
    {
      config: {
        powensAuth: 'user',
        powensScopes: ['connections:read'],
        doc: {
          tag: 'Connections',
          summary: 'The user’s connections (`all`: every user’s, with a manage token)',
          responses: { 200: ConnectionList, ...errors },
        },
      },
      schema: { params: withoutIds(UserParams), querystring: ExpandQuery },
    },
    async (request, reply) => {
      const scope = await userScopeOf(engine, request);
      const views = await connectionViews(engine, readScopeOf(scope));
      const connections = await powensConnections(
        engine,
        registry,
        scope.clientId,
        views,
        expansionOf((request.query as { expand?: string }).expand),
      );
      return sendJson(reply, { connections, total: connections.length });
    },
  );

  app.get(
    '/users/:id_user/connections/:id_connection',
    {
      config: {
        powensAuth: 'user',
        powensScopes: ['connections:read'],
        doc: { tag: 'Connections', summary: 'A connection', responses: { 200: Connection, ...errors } },
      },
      schema: { params: withoutIds(ConnectionParams), querystring: ExpandQuery },
    },
    async (request, reply) => {
      const { scope, view } = await named(request);
      return answer(reply, scope, view.id, expansionOf((request.query as { expand?: string }).expand));
    },
  );

  app.post(
    '/users/:id_user/connections/:id_connection',
    {
      config: {
        powensAuth: 'user',
        powensScopes: ['connections:write'],
        doc: {
          tag: 'Connections',
          summary: 'Send additional information, new credentials, or (de)activate',
          description:
            'With the `fields` of an `additionalInformationNeeded` state (e.g. `code`): the answer, and the new state (400 `wrongpass` when it is not correct). With `decoupled=true`: wait again for the approval. With the connector’s fields (`login`/`username`, `password`, …): new credentials, tested at once (400 `wrongpass` when refused). With `active=false`/`true`: disable or enable.',
          responses: { 200: Connection, ...errors, 409: PowensError },
        },
      },
      schema: { params: withoutIds(ConnectionParams), body: UpdateConnectionBody, querystring: ExpandQuery },
    },
    async (request, reply) => {
      const { scope, view } = await named(request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const active = boolOf(body.active, 'active');
      const decoupled = boolOf(body.decoupled, 'decoupled');
      const expand = expansionOf((request.query as { expand?: string }).expand);
      const { clientId } = scope;
      if (active === false) {
        await disableConnection(engine, clientId, view.id);
        return answer(reply, scope, view.id, expand);
      }
      if (active === true) await enableConnection(engine, clientId, view.id);
      const challenge = view.challenge;
      const answers: Record<string, string> = {};
      for (const field of challenge?.fields ?? []) {
        const value = textOf(body[field.name]);
        if (value !== undefined) answers[field.name] = value;
      }
      if (challenge && Object.keys(answers).length > 0) {
        try {
          await answerChallengeAndWait(engine, clientId, view.id, answers);
        } catch (error) {
          if (error instanceof AppError && error.code === 'CHALLENGE_FAILED')
            throw powensAnswers.wrongAnswer(Number(error.extensions?.attempts_left ?? 0));
          throw error;
        }
        // An accepted answer resumes the login, which may end or ask another step.
        await loginOutcome(clientId, view.id);
        return answer(reply, scope, view.id, expand);
      }
      const credentials = credentialsOf(view.institution_id, body);
      if (Object.keys(credentials).length > 0) {
        await updateCredentials(engine, clientId, view.id, credentials);
        const outcome = await loginOutcome(clientId, view.id);
        if (outcome.outcome === 'failed')
          throw powensAnswers.loginFailed(powensState(outcome.status, null) ?? 'bug', null);
        return answer(reply, scope, view.id, expand);
      }
      // `decoupled=true`: the client waits again for an approval in the bank's app.
      if (decoupled) await loginOutcome(clientId, view.id);
      return answer(reply, scope, view.id, expand);
    },
  );

  app.put(
    '/users/:id_user/connections/:id_connection',
    {
      config: {
        powensAuth: 'user',
        powensScopes: ['connections:write'],
        doc: {
          tag: 'Connections',
          summary: 'Synchronise now',
          description:
            'Starts a refresh and waits (up to ten seconds) for it to end. With `expand=accounts[transactions]` each account carries its new and updated transactions: those changed since `last_update`, or since the synchronisation before this one.',
          responses: { 200: Connection, ...errors, 409: PowensError },
        },
      },
      schema: { params: withoutIds(ConnectionParams), querystring: SyncQuery },
    },
    async (request, reply) => {
      const { scope, view } = await named(request);
      const query = request.query as { expand?: string; last_update?: string };
      const since = dateTimeOf(query.last_update, 'last_update') ?? view.last_refresh_at ?? undefined;
      const refreshId = await requestRefresh(engine, scope.clientId, view.id);
      const deadline = Date.now() + LOGIN_WAIT_MS;
      const outcome = await loginOutcome(scope.clientId, view.id);
      if (outcome.outcome === 'logged_in')
        while ((await activeRefreshIdOf(engine.db, view.id)) === refreshId && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      return answer(reply, scope, view.id, expansionOf(query.expand, since));
    },
  );

  app.delete(
    '/users/:id_user/connections/:id_connection',
    {
      config: {
        powensAuth: 'user',
        powensScopes: ['connections:write'],
        doc: {
          tag: 'Connections',
          summary: 'Delete a connection and all its data',
          responses: { 200: Connection, ...errors },
        },
      },
      schema: { params: withoutIds(ConnectionParams) },
    },
    async (request, reply) => {
      const { scope, view } = await named(request);
      const [connection] = await powensConnections(engine, registry, scope.clientId, [view], {
        connector: false,
        accounts: false,
        transactions: false,
      });
      await deleteConnection(engine.db, scope.clientId, view.id);
      return sendJson(reply, connection);
    },
  );
};
