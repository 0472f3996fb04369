// How Datanomik's clients authenticate (docs.datanomik.com, "Authentication"): HTTP Basic on
// every call, username the `secretId`, password the `secretPassword` — here a Tesoro client id
// and its secret, checked on every call (a keyed hash: microseconds, services/clients.ts), so a
// rotated secret stops working at once. Failures count against the auth failure budget of the
// address and of the client id, as the native token endpoint's do.
import type { FastifyRequest } from 'fastify';
import type { AuthFailures } from '../../http/auth-failures.ts';
import { authenticateClient, type Client } from '../../services/clients.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { datanomikAnswers } from './errors.ts';

/**
 * The `id:secret` pair of an `Authorization: Basic` header (RFC 7617: UTF-8, split at the first
 * colon, nothing percent-decoded), or undefined.
 */
export function basicPair(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const split = decoded.indexOf(':');
  if (split <= 0) return undefined;
  return { id: decoded.slice(0, split), secret: decoded.slice(split + 1) };
}

export class DatanomikAuthenticator {
  readonly #engine: ServiceDeps;
  readonly #failures: AuthFailures | undefined;

  constructor(engine: ServiceDeps, failures: AuthFailures | undefined) {
    this.#engine = engine;
    this.#failures = failures;
  }

  /** The client of the call, or Datanomik's 401. */
  async authenticate(request: FastifyRequest): Promise<Client> {
    const pair = basicPair(request.headers.authorization);
    this.#failures?.assertAllowed(request, pair?.id);
    if (!pair) {
      this.#failures?.record(request);
      throw datanomikAnswers.unauthorized();
    }
    const client = await authenticateClient(this.#engine.db, pair.id, pair.secret);
    if (!client) {
      this.#failures?.record(request, pair.id);
      throw datanomikAnswers.unauthorized();
    }
    return client;
  }
}
