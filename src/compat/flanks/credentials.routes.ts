// Flanks' token and credentials endpoints (SPEC §2.3: F1–F5) and its entities and key set (F20,
// F23). A `credentials_token` is a native connection id; the status object is derived from the
// native connection view and the facade's tokens (tokens.ts).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { authOf } from '../../http/auth.ts';
import { clientCredentialsGrant } from '../../http/client-token.ts';
import { listConnections } from '../../services/connection-list.ts';
import { presentConnection } from '../../services/connection-view.ts';
import {
  deleteConnection,
  requestReauthentication,
  updateConnectionSettings,
} from '../../services/connections.ts';
import type { ConnectionRow } from '../../store/connections.ts';
import type { FacadeDeps } from '../shared/facade.ts';
import { withoutIds } from '../shared/openapi.ts';
import { sendJson } from '../shared/stream.ts';
import { flanksAnswers } from './errors.ts';
import { toFlanksEntity, toFlanksStatus } from './map.ts';
import { connectionOf } from './reads.ts';
import { entityOf } from './sandbox-map.ts';
import {
  CredentialsListResponse,
  CredentialsStatus,
  CredentialsTokenBody,
  Entity,
  errorAnswers,
  FlanksError,
  ListBody,
  StatusPutBody,
  TokenRequest,
  TokenResponse,
} from './schemas.ts';
import { statusTokens, statusTokensOf, tokenOf } from './tokens.ts';

/** Connections per page of POST /v0/bank/credentials/list. */
export const LIST_PAGE_SIZE = 100;

/** How far back `force: transaction` extracts (the native maximum). */
const DEEP_HISTORY_DAYS = 3650;

const forceOfAction: Record<string, 'sca' | 'reset' | 'transaction'> = {
  force_sca: 'sca',
  force_reset: 'reset',
  force_transaction: 'transaction',
};

export const credentialsRoutes: FastifyPluginAsync<FacadeDeps> = async (app, deps) => {
  const { engine } = deps;
  const clientOf = (request: FastifyRequest) => authOf(request).client.id;

  async function statusOf(connection: ConnectionRow) {
    const view = await presentConnection(engine.db, connection);
    return toFlanksStatus(view, await statusTokens(engine, connection));
  }

  app.post(
    '/v0/token',
    {
      config: {
        tokenRoute: true,
        doc: {
          tag: 'Credentials',
          summary: 'Get an access token (client credentials)',
          description:
            'Flanks’ OAuth2 client-credentials grant, with a Tesoro client’s id and secret. The token is a native Tesoro token, valid for an hour.',
          responses: { 200: TokenResponse, 403: FlanksError },
        },
      },
      schema: { body: withoutIds(TokenRequest) },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as { grant_type?: unknown; scope?: unknown };
      const token = await clientCredentialsGrant(
        { db: engine.db, keys: deps.keys, issuer: deps.publicUrl, failures: deps.failures },
        request,
        body,
      );
      reply.header('cache-control', 'no-store');
      return sendJson(reply, token);
    },
  );

  app.post(
    '/v0/bank/credentials/status',
    {
      config: {
        scopes: ['connections:read'],
        doc: {
          tag: 'Credentials',
          summary: 'Credentials status',
          description:
            'Whether the extraction is still running (`pending`), which products were created or failed, and the tokens the end user needs to unblock the credentials.',
          responses: { 200: CredentialsStatus, ...errorAnswers(400, 401) },
        },
      },
      schema: { body: withoutIds(CredentialsTokenBody) },
    },
    async (request, reply) => {
      const body = request.body as { credentials_token: unknown };
      const connection = await connectionOf(engine, clientOf(request), body.credentials_token);
      return sendJson(reply, await statusOf(connection));
    },
  );

  app.put(
    '/v0/bank/credentials/status',
    {
      config: {
        scopes: ['connections:write'],
        doc: {
          tag: 'Credentials',
          summary: 'Force an SCA, a credentials reset or a deeper transaction extraction',
          description:
            '`force: sca` pauses scheduled refreshes until the end user logs in again through the link with `&sca_token=`; `force: reset` lets them enter new credentials through the link with `&reset_token=` (same credentials_token, same data ids); `force: transaction` extracts up to ten years of account transactions.',
          responses: { 200: Type.Record(Type.String(), Type.String()), ...errorAnswers(400, 401) },
        },
      },
      schema: { body: withoutIds(StatusPutBody) },
    },
    async (request, reply) => {
      const body = request.body as {
        credentials_token: unknown;
        force?: 'sca' | 'reset' | 'transaction';
        action?: string;
      };
      const clientId = clientOf(request);
      const force = body.force ?? (body.action ? forceOfAction[body.action] : undefined);
      if (!force) throw flanksAnswers.missing(['force']);
      const connection = await connectionOf(engine, clientId, body.credentials_token);
      if (force === 'sca') await requestReauthentication(engine, clientId, connection.id);
      if (force === 'transaction')
        await updateConnectionSettings(engine, clientId, connection.id, {
          history_days: Math.max(connection.history_days, DEEP_HISTORY_DAYS),
          refresh: true,
        });
      const token = await tokenOf(engine, connection, force, { forced: true });
      return sendJson(reply, { [`${force}_token`]: token!.text });
    },
  );

  app.delete(
    '/v0/bank/credentials',
    {
      config: {
        scopes: ['connections:write'],
        doc: {
          tag: 'Credentials',
          summary: 'Delete credentials and every datum extracted with them',
          responses: { 200: Type.Object({ message: Type.String() }), ...errorAnswers(400, 401) },
        },
      },
      schema: { body: withoutIds(CredentialsTokenBody) },
    },
    async (request, reply) => {
      const body = request.body as { credentials_token: unknown };
      const connection = await connectionOf(engine, clientOf(request), body.credentials_token);
      await deleteConnection(engine.db, connection.client_id, connection.id);
      return sendJson(reply, { message: 'Successfully deleted' });
    },
  );

  app.post(
    '/v0/bank/credentials/list',
    {
      config: {
        scopes: ['connections:read'],
        doc: {
          tag: 'Credentials',
          summary: 'The company’s credentials, 100 per page',
          responses: { 200: CredentialsListResponse, ...errorAnswers(400, 401) },
        },
      },
      schema: { body: withoutIds(ListBody) },
    },
    async (request, reply) => {
      const clientId = clientOf(request);
      const page = (request.body as { page?: number } | undefined)?.page ?? 1;
      // Native lists are keyset-paged: walk to the page asked for (the total is counted once).
      const first = await listConnections(engine.db, clientId, { page_size: LIST_PAGE_SIZE, count: true });
      let result = first;
      for (let n = 1; n < page && result.next_cursor; n++)
        result = await listConnections(engine.db, clientId, {
          page_size: LIST_PAGE_SIZE,
          cursor: result.next_cursor,
          count: false,
        });
      const pages = Math.max(1, Math.ceil((first.total ?? 0) / LIST_PAGE_SIZE));
      const views = page > pages ? [] : result.data;
      const tokens = await statusTokensOf(
        engine,
        clientId,
        views.map((view) => ({ ...view, client_id: clientId })),
      );
      const items = views.map((view, index) => ({
        credentials_token: view.id,
        external_id: view.external_id,
        bank: entityOf(view.institution_id),
        status: toFlanksStatus(view, tokens[index]!),
      }));
      return sendJson(reply, { items, page, pages });
    },
  );

  app.get(
    '/v0/bank/available',
    {
      config: {
        scopes: [],
        doc: {
          tag: 'Credentials',
          summary: 'Entities (banks and brokers) credentials can be created for',
          description: 'Every institution an end user can connect, and Flanks’ test entity `testbank`.',
          responses: { 200: Type.Array(Entity), ...errorAnswers(401) },
        },
      },
    },
    async (_request, reply) =>
      sendJson(
        reply,
        deps.registry.institutions().map((institution) =>
          toFlanksEntity({
            id: entityOf(institution.id),
            name: institution.name,
            cif: institution.cif ?? null,
            always_manual_refresh: institution.alwaysManualRefresh,
          }),
        ),
      ),
  );

  app.get(
    '/.well-known/jwks.json',
    {
      config: {
        doc: {
          tag: 'Credentials',
          summary: 'Public keys to encrypt request bodies to (JWE)',
          description:
            'Encryption keys (`use: enc`, RSA-OAEP-256 + A256CBC-HS512) first, so a client that takes "one of the available public keys" as the first one encrypts to the right key; then the keys that sign access tokens.',
          responses: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) },
        },
      },
    },
    async (_request, reply) => {
      const { keys } = deps.keys.jwks();
      const encryptionFirst = [...keys].sort((a, b) => Number(b.use === 'enc') - Number(a.use === 'enc'));
      reply.header('cache-control', 'public, max-age=300');
      return sendJson(reply, { keys: encryptionFirst });
    },
  );
};
