// POST /v1/oauth/token: OAuth2 client-credentials grant (Flanks' POST v0/token).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { AppError } from '../../domain/errors.ts';
import { parseScopes, type Scope } from '../../domain/scopes.ts';
import type { AuthFailures } from '../../http/auth-failures.ts';
import { clientCredentialsOf } from '../../http/client-credentials.ts';
import { HttpError } from '../../http/problem.ts';
import { authenticateClient } from '../../services/clients.ts';
import type { KeyStore } from '../../services/keys.ts';
import { issueAccessToken } from '../../services/tokens.ts';
import type { Schema } from '../../store/schema.ts';
import { problemResponses } from '../common.schemas.ts';
import { TokenRequest, TokenResponse } from './token.schemas.ts';

const invalidClient = () =>
  new HttpError('AUTH_INVALID_CLIENT', 'Unknown client or wrong client secret.', {
    extensions: { error: 'invalid_client' },
    headers: { 'www-authenticate': 'Basic realm="tesoro"' },
  });

export const tokenRoutes: FastifyPluginAsyncTypebox<{
  db: Kysely<Schema>;
  keys: KeyStore;
  issuer: string;
  failures: AuthFailures | undefined;
}> = async (app, deps) => {
  app.post(
    '/v1/oauth/token',
    {
      schema: {
        tags: ['Authentication'],
        summary: 'Get an access token',
        description:
          'OAuth2 client-credentials grant. Returns a bearer JWT valid for an hour, signed with a key from /.well-known/jwks.json.',
        body: TokenRequest,
        response: { 200: TokenResponse, ...problemResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { body } = request;
      if (body.grant_type !== 'client_credentials') {
        throw new AppError(
          'AUTH_UNSUPPORTED_GRANT_TYPE',
          'Only grant_type=client_credentials is supported.',
          {
            extensions: { error: 'unsupported_grant_type' },
          },
        );
      }
      const { id: clientId, secret: clientSecret } = clientCredentialsOf(request);
      deps.failures?.assertAllowed(request, clientId);
      const client =
        clientId && clientSecret ? await authenticateClient(deps.db, clientId, clientSecret) : undefined;
      if (!client) {
        deps.failures?.record(request, clientId);
        throw invalidClient();
      }

      let scopes: Scope[] = client.scopes;
      if (body.scope !== undefined && body.scope.trim() !== '') {
        const requested = parseScopes(body.scope);
        const notHeld = [...requested.unknown, ...requested.scopes.filter((s) => !client.scopes.includes(s))];
        if (notHeld.length > 0) {
          throw new AppError('AUTH_INVALID_SCOPE', `This client may not request: ${notHeld.join(', ')}.`, {
            extensions: { error: 'invalid_scope' },
          });
        }
        scopes = requested.scopes;
      }
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return issueAccessToken(deps.keys, deps.issuer, client.id, scopes, {
        secretRotatedAt: client.secret_rotated_at,
      });
    },
  );
};
