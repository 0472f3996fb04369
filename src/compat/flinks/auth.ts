// How Flinks' clients authenticate (docs.flinks.com, "Authentication reference"), on Tesoro's
// clients: the `{customerId}` of every path is a Tesoro client id; its secret key (the client
// secret) goes in `flinks-auth-key` to /GenerateAuthorizeToken, which answers a single-use
// authorize token for `flinks-auth-key` on /Authorize; data endpoints take the secret in
// `x-api-key`. Answering a security challenge needs no new token: the RequestId, a 112-bit
// handle of this client, is the session. Once authenticated the request carries `request.auth`
// as a native one does, so the per-client rate limit counts it against its own client.
//
// Flinks' integrations created before October 2024 may call without any header (its own guides
// print such curls): a client listed in TESORO_COMPAT_FLINKS_LEGACY_AUTH may leave the header out
// of a call that names a LoginId or a RequestId (an unguessable GUID of that client), and is then
// authenticated by them. Calls that name neither (GenerateAuthorizeToken, a new login,
// Institutions, the Connect page) always need their key or token, and a header that is sent is
// always checked.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.ts';
import type { AuthFailures } from '../../http/auth-failures.ts';
import { authenticateClient, type Client, findClient } from '../../services/clients.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { flinksAnswers } from './errors.ts';

/** What a route takes as its credential. */
export type FlinksAuth =
  /** The secret key in `flinks-auth-key` (GenerateAuthorizeToken). */
  | 'secret'
  /** An authorize token in `flinks-auth-key`, or a RequestId in the body (Authorize). */
  | 'authorize'
  /** The secret key in `x-api-key` (Institutions). */
  | 'api'
  /**
   * The secret key in `x-api-key`, on a call that names a session or a login (data, DeleteCard,
   * SetScheduledRefresh): a legacy integration may leave the header out.
   */
  | 'session';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A Flinks route's credential (compat/flinks/auth.ts). */
    flinksAuth?: FlinksAuth;
  }
}

export interface FlinksSettings {
  /** Clients that may call without headers (Flinks' legacy integrations). */
  legacyClients: ReadonlySet<string>;
  /** The client Flinks' public Toolbox customerId stands for, in development. */
  toolboxClient: string | undefined;
}

/** Flinks' public Toolbox customerId, printed in its guides. */
export const TOOLBOX_CUSTOMER_ID = '43387ca6-0391-4c82-857d-70d95f087ecb';

const CLIENT_ID = /^cli_[0-9a-z]{16}$/;

/** The facade's settings; a value that names no possible client id stops the server at start. */
export function flinksSettingsOf(env: Readonly<Record<string, string | undefined>>): FlinksSettings {
  const list = (env.TESORO_COMPAT_FLINKS_LEGACY_AUTH ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const toolbox = env.TESORO_COMPAT_FLINKS_TOOLBOX_CLIENT?.trim() || undefined;
  const bad = [
    ...list.filter((id) => !CLIENT_ID.test(id)).map((id) => `TESORO_COMPAT_FLINKS_LEGACY_AUTH: ${id}`),
    ...(toolbox && !CLIENT_ID.test(toolbox) ? [`TESORO_COMPAT_FLINKS_TOOLBOX_CLIENT: ${toolbox}`] : []),
  ];
  if (bad.length > 0)
    throw new Error(`Not a Tesoro client id (cli_ and 16 letters or digits): ${bad.join('; ')}`);
  return { legacyClients: new Set(list), toolboxClient: toolbox };
}

const CACHE_MS = 10_000;
const CACHE_MAX = 10_000;

/**
 * Authenticates Flinks calls. A secret is checked on every call (a keyed hash: microseconds), so a
 * rotated secret stops working at once; the client a legacy call names is looked up for 10 s.
 */
export class FlinksAuthenticator {
  readonly #engine: ServiceDeps;
  readonly #settings: FlinksSettings;
  readonly #failures: AuthFailures | undefined;
  readonly #clients = new Map<string, { client: Client | undefined; until: number }>();

  constructor(engine: ServiceDeps, settings: FlinksSettings, failures: AuthFailures | undefined) {
    this.#engine = engine;
    this.#settings = settings;
    this.#failures = failures;
  }

  /** The Tesoro client id a path's customerId names. */
  clientIdOf(customerId: string): string {
    if (customerId.toLowerCase() === TOOLBOX_CUSTOMER_ID && this.#settings.toolboxClient)
      return this.#settings.toolboxClient;
    return customerId;
  }

  isLegacy(clientId: string): boolean {
    return this.#settings.legacyClients.has(clientId);
  }

  async #client(id: string): Promise<Client | undefined> {
    const cached = this.#clients.get(id);
    if (cached && cached.until > Date.now()) return cached.client;
    const client = id.startsWith('cli_') ? await findClient(this.#engine.db, id) : undefined;
    if (this.#clients.size >= CACHE_MAX) this.#clients.clear();
    this.#clients.set(id, { client, until: Date.now() + CACHE_MS });
    return client;
  }

  #bySecret(clientId: string, secret: string): Promise<Client | undefined> {
    return authenticateClient(this.#engine.db, clientId, secret);
  }

  /**
   * The client of a Flinks call, or ACCESS_DENIED. `authorize` routes are only checked for their
   * customer here: the handler consumes the authorize token (or finds the RequestId) once it has
   * read the body, so a request refused for its body leaves the token unused.
   */
  async authenticate(request: FastifyRequest, kind: FlinksAuth): Promise<Client> {
    const customerId = (request.params as { customerId?: string }).customerId ?? '';
    const clientId = this.clientIdOf(customerId);
    this.#failures?.assertAllowed(request, clientId);
    try {
      return await this.#check(request, kind, clientId);
    } catch (error) {
      if (error instanceof AppError && error.status === 401) this.#failures?.record(request, clientId);
      throw error;
    }
  }

  async #check(request: FastifyRequest, kind: FlinksAuth, clientId: string): Promise<Client> {
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    if (kind === 'authorize') {
      const client = await this.#client(clientId);
      if (!client) throw flinksAnswers.accessDenied('authorize token');
      return client;
    }
    const name = kind === 'secret' ? 'flinks-auth-key' : 'x-api-key';
    const secret = header(name);
    if (secret === undefined) {
      const client = kind === 'session' && this.isLegacy(clientId) ? await this.#client(clientId) : undefined;
      if (!client) throw flinksAnswers.accessDenied(kind === 'secret' ? 'auth key' : 'api key');
      return client;
    }
    const client = await this.#bySecret(clientId, secret);
    if (!client) throw flinksAnswers.accessDenied(kind === 'secret' ? 'auth key' : 'api key');
    return client;
  }
}
