// POST /v1/oauth/token: OAuth2 client-credentials grant (seed 003's POST v0/token).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { parseScopes, type Scope } from '../../domain/scopes.ts';
import { ApiError } from '../../http/errors.ts';
import { authenticateClient } from '../../services/clients.ts';
import type { KeyStore } from '../../services/keys.ts';
import { issueAccessToken } from '../../services/tokens.ts';
import type { Schema } from '../../store/schema.ts';
import { problemResponses } from '../common.schemas.ts';
import { TokenRequest, TokenResponse } from './token.schemas.ts';

interface TokenBody {
  grant_type: string;
  client_id?: string;
  client_secret?: string;
  scope?: string;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function basicCredentials(request: FastifyRequest): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(request.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' ')),
    };
  } catch {
    return undefined;
  }
}

const invalidClient = () =>
  new ApiError('AUTH_INVALID_CLIENT', 'Unknown client or wrong client secret.', {
    extensions: { error: 'invalid_client' },
    headers: { 'www-authenticate': 'Basic realm="tesoro"' },
  });

export function registerTokenRoutes(
  app: FastifyInstance,
  deps: { db: Kysely<Schema>; keys: KeyStore; issuer: string },
): void {
  app.post(
    '/v1/oauth/token',
    {
      schema: {
        tags: ['Authentication'],
        summary: 'Get an access token',
        description:
          'OAuth2 client-credentials grant. Returns a bearer JWT valid for an hour, signed with a key from /.well-known/jwks.json.',
        body: TokenRequest,
        response: { 200: TokenResponse, ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const body = request.body as TokenBody;
      if (body.grant_type !== 'client_credentials') {
        throw new ApiError(
          'AUTH_UNSUPPORTED_GRANT_TYPE',
          'Only grant_type=client_credentials is supported.',
          {
            extensions: { error: 'unsupported_grant_type' },
          },
        );
      }
      const basic = basicCredentials(request);
      const clientId = basic?.id ?? body.client_id;
      const clientSecret = basic?.secret ?? body.client_secret;
      if (!clientId || !clientSecret) throw invalidClient();
      const client = await authenticateClient(deps.db, clientId, clientSecret);
      if (!client) throw invalidClient();

      let scopes: Scope[] = client.scopes;
      if (body.scope !== undefined && body.scope.trim() !== '') {
        const requested = parseScopes(body.scope);
        const notHeld = [...requested.unknown, ...requested.scopes.filter((s) => !client.scopes.includes(s))];
        if (notHeld.length > 0) {
          throw new ApiError('AUTH_INVALID_SCOPE', `This client may not request: ${notHeld.join(', ')}.`, {
            extensions: { error: 'invalid_scope' },
          });
        }
        scopes = requested.scopes;
      }
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return issueAccessToken(deps.keys, deps.issuer, client.id, scopes);
    },
  );
}
