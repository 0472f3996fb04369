// How Datanomik's clients authenticate (docs.datanomik.com, "Authentication"): HTTP Basic on
// every call, username the `secretId`, password the `secretPassword` — here a Tesoro client id
// and its secret. Checking a secret costs a password-hash verification, too much for every call,
// so a pair that verified is remembered by its SHA-256 for 10 s (a rotated secret stops working
// within that time, as a deleted client's tokens do natively). Failures count against the auth
// failure budget of the address and of the client id, as the native token endpoint's do.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AuthFailures } from '../../http/auth-failures.ts';
import { authenticateClient, type Client } from '../../services/clients.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { datanomikAnswers } from './errors.ts';

const CACHE_MS = 10_000;
const CACHE_MAX = 10_000;

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
  /** By SHA-256 of the whole header value: a hit proves the same id and secret. */
  readonly #verified = new Map<string, { client: Client; until: number }>();

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
    const key = createHash('sha256').update(`${pair.id}\0${pair.secret}`).digest('hex');
    const cached = this.#verified.get(key);
    if (cached && cached.until > Date.now()) return cached.client;
    const client = await authenticateClient(this.#engine.db, pair.id, pair.secret);
    if (!client) {
      this.#failures?.record(request, pair.id);
      throw datanomikAnswers.unauthorized();
    }
    if (this.#verified.size >= CACHE_MAX) this.#verified.clear();
    this.#verified.set(key, { client, until: Date.now() + CACHE_MS });
    return client;
  }
}
