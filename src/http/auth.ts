// Bearer-token authentication and scope checks. A route opts in through its config:
// `config: { scopes: ['data:read'] }` (an empty list means "any valid token"); routes without
// `scopes` are public. The check runs in onRequest, before any body is read or decrypted.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { AppError } from '../domain/errors.ts';
import type { Scope } from '../domain/scopes.ts';
import { type Client, findClient } from '../services/clients.ts';
import type { KeyStore } from '../services/keys.ts';
import { type VerifiedToken, verifyAccessToken } from '../services/tokens.ts';
import type { Schema } from '../store/schema.ts';
import type { AuthFailures } from './auth-failures.ts';
import { HttpError } from './problem.ts';

export interface Auth {
  client: Client;
  /** The scopes of this token (a subset of the client's). */
  scopes: Scope[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scopes the route requires; undefined = public route. */
    scopes?: Scope[];
    /** A token endpoint (native or a facade's): the rate limit counts it per client id it names. */
    tokenRoute?: boolean;
  }
  interface FastifyRequest {
    auth: Auth | null;
  }
}

/** The authenticated caller; throws if used on a public route by mistake. */
export function authOf(request: FastifyRequest): Auth {
  if (!request.auth) throw new Error(`Route ${request.routeOptions.url} is public but reads the caller`);
  return request.auth;
}

const CLIENT_CACHE_MS = 10_000;
const TOKEN_CACHE_MS = 60_000;
const TOKEN_CACHE_MAX = 10_000;

export function registerAuth(
  app: FastifyInstance,
  deps: { db: Kysely<Schema>; keys: KeyStore; issuer: string; failures: AuthFailures | undefined },
): void {
  // A deleted client's tokens must stop working; looking it up on every call would cost a query
  // per request, so the answer is cached for 10 s: a deleted client keeps access for at most that.
  const clientCache = new Map<string, { client: Client | undefined; until: number }>();

  async function loadClient(id: string): Promise<Client | undefined> {
    const cached = clientCache.get(id);
    if (cached && cached.until > Date.now()) return cached.client;
    const client = await findClient(deps.db, id);
    clientCache.set(id, { client, until: Date.now() + CLIENT_CACHE_MS });
    return client;
  }

  // Verifying an ES256 signature costs ≈0.2 ms of CPU, a large share of a fast read. A token that
  // verified once verifies the same way while it and its signing key are valid, so the result is
  // kept (by the exact token text) until the token expires or for 60 s, and a hit still checks the
  // key (in memory): a key past its grace period stops its tokens at once. Failures are never cached.
  const tokenCache = new Map<string, { token: VerifiedToken; until: number }>();

  async function verify(text: string): Promise<VerifiedToken> {
    const now = Date.now();
    const cached = tokenCache.get(text);
    if (cached && cached.until > now && (await deps.keys.find(cached.token.kid, 'sig'))) return cached.token;
    const token = await verifyAccessToken(deps.keys, deps.issuer, text);
    if (tokenCache.size >= TOKEN_CACHE_MAX) tokenCache.clear();
    tokenCache.set(text, { token, until: Math.min(token.expiresAt.getTime(), now + TOKEN_CACHE_MS) });
    return token;
  }

  app.decorateRequest('auth', null);

  app.addHook('onRequest', async (request) => {
    const required = request.routeOptions.config.scopes;
    if (required === undefined) return;
    // Failed authentications are counted per address: a flood of bad tokens is answered 429
    // before anything is verified (the rate limit itself only counts authenticated calls).
    deps.failures?.assertAllowed(request);
    try {
      request.auth = await authenticate(request, required);
    } catch (error) {
      if (error instanceof AppError && error.status === 401) deps.failures?.record(request);
      throw error;
    }
  });

  async function authenticate(request: FastifyRequest, required: Scope[]): Promise<Auth> {
    const header = request.headers.authorization;
    if (!header) {
      throw new HttpError('AUTH_TOKEN_MISSING', 'Send an access token as `Authorization: Bearer <token>`.', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
    if (!match) {
      throw new HttpError('AUTH_TOKEN_INVALID', 'The Authorization header must be `Bearer <token>`.', {
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      });
    }
    const token = await verify(match[1]!);
    const client = await loadClient(token.clientId);
    if (!client) throw new AppError('AUTH_TOKEN_INVALID', 'The client of this token no longer exists.');
    if (client.secret_rotated_at && token.secretRotatedAt < Date.parse(client.secret_rotated_at))
      throw new AppError(
        'AUTH_TOKEN_INVALID',
        'This token was issued before the client secret was rotated; request a new one.',
      );
    // A token never carries more than the client holds now (scopes may have been narrowed since).
    const scopes = token.scopes.filter((scope) => client.scopes.includes(scope));
    const missing = required.filter((scope) => !scopes.includes(scope));
    if (missing.length > 0) {
      throw new HttpError('AUTH_INSUFFICIENT_SCOPE', `This route needs the scope ${missing.join(', ')}.`, {
        extensions: { required_scopes: required },
        headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${required.join(' ')}"` },
      });
    }
    return { client, scopes };
  }
}
