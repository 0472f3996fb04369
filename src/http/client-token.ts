// The client-credentials grant, shared by every face that issues tokens: the native
// POST /v1/oauth/token and the facades' own token routes (Flanks' POST /v0/token). Each face
// renders the errors in its own envelope; the checks, the failure counting and the token are the
// same everywhere, so a facade token is a native token with the same lifetime and scopes.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { AppError } from '../domain/errors.ts';
import { parseScopes, type Scope } from '../domain/scopes.ts';
import { authenticateClient } from '../services/clients.ts';
import type { KeyStore } from '../services/keys.ts';
import { issueAccessToken, type TokenResponse } from '../services/tokens.ts';
import type { Schema } from '../store/schema.ts';
import type { AuthFailures } from './auth-failures.ts';
import { clientCredentialsOf } from './client-credentials.ts';
import { HttpError } from './problem.ts';

export interface TokenIssuer {
  db: Kysely<Schema>;
  keys: KeyStore;
  issuer: string;
  failures: AuthFailures | undefined;
}

const invalidClient = () =>
  new HttpError('AUTH_INVALID_CLIENT', 'Unknown client or wrong client secret.', {
    extensions: { error: 'invalid_client' },
    headers: { 'www-authenticate': 'Basic realm="tesoro"' },
  });

/** Checks the grant and the client (HTTP Basic or body), counts failures, and issues a token. */
export async function clientCredentialsGrant(
  deps: TokenIssuer,
  request: FastifyRequest,
  body: { grant_type?: unknown; scope?: unknown },
): Promise<TokenResponse> {
  if (body.grant_type !== 'client_credentials') {
    throw new AppError('AUTH_UNSUPPORTED_GRANT_TYPE', 'Only grant_type=client_credentials is supported.', {
      extensions: { error: 'unsupported_grant_type' },
    });
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
  if (typeof body.scope === 'string' && body.scope.trim() !== '') {
    const requested = parseScopes(body.scope);
    const notHeld = [...requested.unknown, ...requested.scopes.filter((s) => !client.scopes.includes(s))];
    if (notHeld.length > 0) {
      throw new AppError('AUTH_INVALID_SCOPE', `This client may not request: ${notHeld.join(', ')}.`, {
        extensions: { error: 'invalid_scope' },
      });
    }
    scopes = requested.scopes;
  }
  return issueAccessToken(deps.keys, deps.issuer, client.id, scopes, {
    secretRotatedAt: client.secret_rotated_at,
  });
}
