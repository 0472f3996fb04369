// Powens' authentication and users (SPEC §5.1, P3–P9): users and their tokens (`/auth/init`),
// temporary codes and their exchange (`/auth/token/code`, `/auth/token/access`), manage tokens
// (`/auth/token` with client credentials: native client tokens), revocation, and
// `GET`/`DELETE /users/{id_user}`.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Scope } from '../../domain/scopes.ts';
import { clientCredentialsOf } from '../../http/client-credentials.ts';
import { clientCredentialsGrant } from '../../http/client-token.ts';
import { authenticateClient, type Client } from '../../services/clients.ts';
import { deleteConnectionsOf } from '../../services/end-users.ts';
import { withoutIds } from '../shared/openapi.ts';
import { sendJson } from '../shared/stream.ts';
import {
  createUser,
  deleteUserRecord,
  externalIdOf,
  issueCode,
  issueUserToken,
  TEMPORARY_TTL_MS,
  useCode,
  userScopeOf,
} from './auth.ts';
import type { PowensDeps } from './deps.ts';
import { powensAnswers } from './errors.ts';
import { toPowensUser } from './map.ts';
import {
  AccessBody,
  AccessResponse,
  ClientCredentialsBody,
  CodeQuery,
  CodeResponse,
  InitResponse,
  PowensError,
  TokenBody,
  TokenResponse,
  User,
  UserParams,
} from './schemas.ts';

/** Powens' manage-token scopes → the native scopes they need (SPEC §5.1). */
export const powensScopes: Record<string, readonly Scope[]> = {
  config: ['connections:write', 'webhooks:manage'],
  user: ['connections:read', 'connections:write', 'data:read'],
  categorization: ['data:read'],
  invoicing: ['data:read'],
};

/** The native scope text of a Powens `scope` parameter; undefined = every scope of the client. */
export function nativeScopesOf(scope: unknown): string | undefined {
  if (typeof scope !== 'string' || scope.trim() === '') return undefined;
  const names = scope.split(/[\s,]+/).filter(Boolean);
  const unknown = names.filter((name) => !Object.hasOwn(powensScopes, name));
  if (unknown.length > 0) throw powensAnswers.invalid('scope', `unknown scope ${unknown.join(', ')}`);
  return [...new Set(names.flatMap((name) => powensScopes[name]!))].join(' ');
}

const errors = { 400: PowensError, 401: PowensError };

export const authRoutes: FastifyPluginAsync<PowensDeps> = async (app, deps) => {
  const { engine } = deps;

  /** The client whose id and secret the body (or HTTP Basic) carries; Powens' 401 otherwise. */
  async function bodyClient(request: FastifyRequest): Promise<Client> {
    const { id, secret } = clientCredentialsOf(request);
    if (!id) throw powensAnswers.missing('client_id');
    if (!secret) throw powensAnswers.missing('client_secret');
    deps.failures?.assertAllowed(request, id);
    const client = await authenticateClient(engine.db, id, secret);
    if (!client) {
      deps.failures?.record(request, id);
      throw powensAnswers.invalidClient();
    }
    request.auth = { client, scopes: client.scopes };
    return client;
  }

  app.post(
    '/auth/init',
    {
      config: {
        tokenRoute: true,
        doc: {
          tag: 'Authentication',
          summary: 'Create a user and its permanent token',
          description:
            'With `client_id` and `client_secret` (a Tesoro client’s): a new user and a permanent user token. Tesoro does not create users without the client’s secret (Powens’ anonymous temporary users).',
          responses: { 200: InitResponse, ...errors },
        },
      },
      schema: { body: ClientCredentialsBody },
    },
    async (request, reply) => {
      const client = await bodyClient(request);
      const user = await createUser(engine, client.id);
      const token = await issueUserToken(engine, client.id, user, true);
      return sendJson(reply, { auth_token: token, type: 'permanent', id_user: user.id });
    },
  );

  app.get(
    '/auth/token/code',
    {
      config: {
        powensAuth: 'userOnly',
        doc: {
          tag: 'Authentication',
          summary: 'A temporary code for the token’s user (30 minutes, one use)',
          responses: { 200: CodeResponse, ...errors, 403: PowensError },
        },
      },
      schema: { querystring: CodeQuery },
    },
    async (request, reply) => {
      const caller = request.powens!;
      if (caller.kind !== 'user') throw powensAnswers.forbidden('This call needs a user token');
      const clientId = request.auth!.client.id;
      const code = await issueCode(engine, clientId, { id: caller.idUser, ref: caller.userRef });
      const type = (request.query as { type?: string }).type;
      return sendJson(reply, {
        code,
        type: 'temporary',
        access: type || 'standard',
        expires_in: TEMPORARY_TTL_MS / 1000,
      });
    },
  );

  app.post(
    '/auth/token/access',
    {
      config: {
        tokenRoute: true,
        doc: {
          tag: 'Authentication',
          summary: 'Exchange a temporary code for a permanent user token',
          responses: { 200: AccessResponse, ...errors },
        },
      },
      schema: { body: AccessBody },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as { code?: unknown };
      if (typeof body.code !== 'string' || body.code === '') throw powensAnswers.missing('code');
      const client = await bodyClient(request);
      const user = await useCode(engine, client.id, body.code);
      if (!user) throw powensAnswers.invalid('code', 'unknown, expired or already used');
      const token = await issueUserToken(engine, client.id, user, true);
      return sendJson(reply, { access_token: token, token_type: 'Bearer' });
    },
  );

  app.post(
    '/auth/token',
    {
      config: {
        tokenRoute: true,
        doc: {
          tag: 'Authentication',
          summary: 'A manage token (client credentials)',
          description:
            '`grant_type=client_credentials` with a Tesoro client’s id and secret; `scope` in Powens’ names (`config`, `user`, `categorization`, `invoicing`). The token is a native Tesoro token, valid one hour.',
          responses: { 200: TokenResponse, ...errors },
        },
      },
      schema: { body: TokenBody },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as { grant_type?: unknown; scope?: unknown };
      if (body.grant_type === undefined || body.grant_type === '') throw powensAnswers.missing('grant_type');
      const native = nativeScopesOf(body.scope);
      const token = await clientCredentialsGrant(
        { db: engine.db, keys: deps.keys, issuer: deps.publicUrl, failures: deps.failures },
        request,
        { grant_type: body.grant_type, ...(native === undefined ? {} : { scope: native }) },
      );
      reply.header('cache-control', 'no-store');
      return sendJson(reply, {
        ...token,
        // The scopes in the words the client asked with.
        scope: typeof body.scope === 'string' && body.scope.trim() !== '' ? body.scope.trim() : token.scope,
      });
    },
  );

  app.delete(
    '/auth/token',
    {
      config: {
        powensAuth: 'any',
        doc: {
          tag: 'Authentication',
          summary: 'Revoke the token of this call',
          description:
            'A user token stops working at once. A manage token is refused by this facade from now on (the native API takes it until it expires: Tesoro tokens cannot be revoked natively).',
          responses: { 200: { description: 'Revoked' }, ...errors },
        },
      },
    },
    async (request, reply) => {
      const caller = request.powens!;
      const clientId = request.auth!.client.id;
      if (caller.kind === 'user') await deps.powens.revokeUserToken(clientId, caller.token);
      else await deps.powens.revokeManageToken(clientId, caller.token, caller.expiresAt);
      return sendJson(reply, {});
    },
  );

  const userDoc = (summary: string, description?: string) => ({
    tag: 'Users',
    summary,
    ...(description ? { description } : {}),
    responses: { 200: User, ...errors, 403: PowensError, 404: PowensError },
  });

  app.get(
    '/users/:id_user',
    {
      config: { powensAuth: 'user', doc: userDoc('A user') },
      schema: { params: withoutIds(UserParams) },
    },
    async (request, reply) => {
      const { user } = await userScopeOf(engine, request);
      if (!user) throw powensAnswers.invalid('id_user', 'one user: an id or `me`');
      return sendJson(reply, toPowensUser(user));
    },
  );

  app.delete(
    '/users/:id_user',
    {
      config: {
        powensAuth: 'user',
        powensScopes: ['connections:write'],
        doc: userDoc(
          'Delete a user, its connections and all their data',
          'Every connection of the user goes in one transaction, then the user and its tokens.',
        ),
      },
      schema: { params: withoutIds(UserParams) },
    },
    async (request, reply) => {
      const { clientId, user } = await userScopeOf(engine, request);
      if (!user) throw powensAnswers.invalid('id_user', 'one user: an id or `me`');
      await deleteConnectionsOf(engine, clientId, externalIdOf(user.id));
      await deleteUserRecord(engine, clientId, user);
      return sendJson(reply, toPowensUser(user));
    },
  );
};
