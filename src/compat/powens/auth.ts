// How Powens' clients authenticate (docs.powens.com, "Authentication"), on Tesoro's clients.
// Every call sends `Authorization: Bearer <token>`, of one of two kinds:
//
// - a manage token (Powens' console or `POST /auth/token` with client credentials): a native
//   Tesoro client token, verified as the native API does (signature, expiry, the client still
//   exists, its secret not rotated since). It may act on any user (`/users/{id}`, `/users/all`).
// - a user token (`POST /auth/init`, `POST /auth/token/access`): an opaque handle
//   (services/compat-handles.ts) naming one Powens user of one client. It is valid only on this
//   facade, so it is confined to its user by construction: every read it makes is filtered by the
//   user's `external_id`. A user token is found by its text alone (the text is the capability);
//   deleting the user ends all its tokens (each one names the user's record, which goes).
//
// A Powens user is a record handle (`pwu_…`, its text the user's native id) with an integer id
// allocated in services/compat-ids.ts; its connections carry `external_id = powens-user:<id>`.
// Once authenticated the request carries `request.auth` as a native one does, so the per-client
// rate limit counts it against its client.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.ts';
import type { Scope } from '../../domain/scopes.ts';
import type { AuthFailures } from '../../http/auth-failures.ts';
import { type Client, findClient } from '../../services/clients.ts';
import {
  consumeHandle,
  createHandle,
  deleteHandles,
  findHandle,
  listHandles,
  setHandleData,
} from '../../services/compat-handles.ts';
import { integerIdsFor, nativeIdFor } from '../../services/compat-ids.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import type { KeyStore } from '../../services/keys.ts';
import { verifyAccessToken } from '../../services/tokens.ts';
import { powensAnswers } from './errors.ts';

export const kinds = {
  user: 'powens_user',
  token: 'powens_user_token',
  code: 'powens_code',
  revoked: 'powens_revoked_token',
  config: 'powens_config',
} as const;

/** The integer-id kinds of services/compat-ids.ts. */
export const idKinds = {
  user: 'user',
  connection: 'connection',
  account: 'account',
  transaction: 'transaction',
  investment: 'investment',
  document: 'document',
} as const;

export const TEMPORARY_TTL_MS = 30 * 60_000;

/** What a route takes as its credential. */
export type PowensAuth =
  /** A user token, or a manage token (routes under /users/{id_user}). */
  | 'user'
  /** A manage token only (/config). */
  | 'manage'
  /** A user token only (/auth/token/code). */
  | 'userOnly'
  /** Either (DELETE /auth/token). */
  | 'any';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A Powens route's credential (compat/powens/auth.ts). */
    powensAuth?: PowensAuth;
    /** The native scopes a manage token needs on the route; a user token holds the user's. */
    powensScopes?: Scope[];
  }
  interface FastifyRequest {
    powens?: PowensCaller;
  }
}

export type PowensCaller =
  | { kind: 'user'; idUser: number; userRef: string; token: string; permanent: boolean }
  | { kind: 'manage'; token: string; expiresAt: Date };

interface UserData extends Record<string, unknown> {
  id_user: number;
  signin: string;
}

interface TokenData extends Record<string, unknown> {
  id_user: number;
  client_id: string;
  /** The user's record (its handle text, also its native id). */
  user: string;
  permanent: boolean;
}

interface CodeData extends Record<string, unknown> {
  id_user: number;
  user: string;
}

/** The native scopes a user token acts with: its user's connections and data. */
const USER_SCOPES: readonly Scope[] = ['connections:read', 'connections:write', 'data:read'];

/** The end user's `external_id` on native connections. */
export const externalIdOf = (idUser: number) => `powens-user:${idUser}`;

/** The Powens user an `external_id` names, or null (a connection made outside this facade). */
export function userOfExternalId(externalId: string | null | undefined): number | null {
  const match = /^powens-user:(\d{1,15})$/.exec(externalId ?? '');
  return match ? Number(match[1]) : null;
}

type Engine = Pick<ServiceDeps, 'db' | 'keyring' | 'now'>;

export interface PowensUser {
  id: number;
  /** The user's record handle text (its native id). */
  ref: string;
  signin: string;
}

/** A new Powens user of this client: its record and its integer id. */
export async function createUser(engine: Engine, clientId: string): Promise<PowensUser> {
  const signin = engine.now().toISOString();
  const record = await createHandle<UserData>(engine, {
    clientId,
    kind: kinds.user,
    data: { id_user: 0, signin },
    reveal: true,
    prefix: 'pwu_',
  });
  const ids = await integerIdsFor(engine, clientId, idKinds.user, [record.text!]);
  const id = ids.get(record.text!)!;
  // The record knows its integer, so a token that names the record names the user.
  await setHandleData(engine, record.text!, { id_user: id, signin });
  return { id, ref: record.text!, signin };
}

/** The user of this client with this integer id, if it exists (deleted users do not). */
export async function findUser(
  engine: Engine,
  clientId: string,
  id: number,
): Promise<PowensUser | undefined> {
  const ref = await nativeIdFor(engine, clientId, idKinds.user, id);
  if (!ref) return undefined;
  const record = await findHandle<UserData>(engine, kinds.user, ref, clientId);
  return record ? { id, ref, signin: record.data.signin } : undefined;
}

/** Removes a user's record: every token and code naming it stops working. */
export async function deleteUserRecord(engine: Engine, clientId: string, user: PowensUser): Promise<void> {
  await deleteHandles(engine, { clientId, kind: kinds.user, text: user.ref });
}

/** A user token: permanent, or valid 30 minutes. */
export async function issueUserToken(
  engine: Engine,
  clientId: string,
  user: PowensUser,
  permanent: boolean,
): Promise<string> {
  const token = await createHandle<TokenData>(engine, {
    clientId,
    kind: kinds.token,
    data: { id_user: user.id, client_id: clientId, user: user.ref, permanent },
    ...(permanent ? {} : { ttlMs: TEMPORARY_TTL_MS }),
    prefix: 'pwt_',
  });
  return token.text!;
}

/** A temporary code for a user (GET /auth/token/code), 30 minutes. */
export async function issueCode(engine: Engine, clientId: string, user: { id: number; ref: string }) {
  const code = await createHandle<CodeData>(engine, {
    clientId,
    kind: kinds.code,
    data: { id_user: user.id, user: user.ref },
    ttlMs: TEMPORARY_TTL_MS,
  });
  return code.text!;
}

/** The user a code was for, using the code up; undefined for an unknown, used or expired code. */
export async function useCode(
  engine: Engine,
  clientId: string,
  code: string,
): Promise<PowensUser | undefined> {
  const handle = await consumeHandle<CodeData>(engine, kinds.code, code, clientId);
  if (!handle) return undefined;
  return findUser(engine, clientId, handle.data.id_user);
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

const CLIENT_CACHE_MS = 10_000;
const CACHE_MAX = 10_000;

/** Authenticates the Bearer token of a Powens call. */
export class PowensAuthenticator {
  readonly #engine: Engine;
  readonly #keys: KeyStore;
  readonly #issuer: string;
  readonly #failures: AuthFailures | undefined;
  readonly #clients = new Map<string, { client: Client | undefined; until: number }>();

  constructor(engine: Engine, keys: KeyStore, issuer: string, failures: AuthFailures | undefined) {
    this.#engine = engine;
    this.#keys = keys;
    this.#issuer = issuer;
    this.#failures = failures;
  }

  async #client(id: string): Promise<Client | undefined> {
    const cached = this.#clients.get(id);
    if (cached && cached.until > Date.now()) return cached.client;
    const client = await findClient(this.#engine.db, id);
    if (this.#clients.size >= CACHE_MAX) this.#clients.clear();
    this.#clients.set(id, { client, until: Date.now() + CLIENT_CACHE_MS });
    return client;
  }

  /** Sets `request.auth` and `request.powens`, or throws Powens' 401 / 403. */
  async authenticate(request: FastifyRequest, kind: PowensAuth): Promise<void> {
    this.#failures?.assertAllowed(request);
    try {
      await this.#check(request, kind);
    } catch (error) {
      if (error instanceof AppError && error.status === 401) this.#failures?.record(request);
      throw error;
    }
  }

  async #check(request: FastifyRequest, kind: PowensAuth): Promise<void> {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) throw powensAnswers.unauthorized('Send a token as `Authorization: Bearer <token>`');
    const text = match[1]!;
    const looksNative = text.split('.').length === 3;
    if (looksNative) {
      if (kind === 'userOnly') throw powensAnswers.forbidden('This call needs a user token');
      return this.#manage(request, text);
    }
    if (kind === 'manage') throw powensAnswers.forbidden('This call needs a manage token');
    const token = await findHandle<TokenData>(this.#engine, kinds.token, text);
    const client = token && (await this.#client(token.clientId));
    // The user's record goes when the user is deleted, and its tokens with it.
    const user = client && (await findHandle<UserData>(this.#engine, kinds.user, token.data.user, client.id));
    if (!token || !client || !user) throw powensAnswers.unauthorized('The token is not valid');
    request.auth = { client, scopes: USER_SCOPES.filter((scope) => client.scopes.includes(scope)) };
    request.powens = {
      kind: 'user',
      idUser: token.data.id_user,
      userRef: token.data.user,
      token: text,
      permanent: token.data.permanent,
    };
    this.#assertScopes(request);
  }

  async #manage(request: FastifyRequest, text: string): Promise<void> {
    let verified: Awaited<ReturnType<typeof verifyAccessToken>>;
    try {
      verified = await verifyAccessToken(this.#keys, this.#issuer, text);
    } catch {
      throw powensAnswers.unauthorized('The token is not valid or has expired');
    }
    const client = await this.#client(verified.clientId);
    if (!client) throw powensAnswers.unauthorized('The client of this token no longer exists');
    if (client.secret_rotated_at && verified.secretRotatedAt < Date.parse(client.secret_rotated_at))
      throw powensAnswers.unauthorized('The token was issued before the client secret was rotated');
    if (await this.isRevoked(client.id, text)) throw powensAnswers.unauthorized('The token was revoked');
    request.auth = { client, scopes: verified.scopes.filter((scope) => client.scopes.includes(scope)) };
    request.powens = { kind: 'manage', token: text, expiresAt: verified.expiresAt };
    this.#assertScopes(request);
  }

  #assertScopes(request: FastifyRequest): void {
    const needed = request.routeOptions.config.powensScopes ?? [];
    const held = request.auth!.scopes;
    const missing = needed.filter((scope) => !held.includes(scope));
    if (missing.length > 0) throw powensAnswers.forbidden(`This call needs the scope ${missing.join(', ')}`);
  }

  /**
   * Native tokens cannot be revoked (SPEC gap G23): a manage token revoked here is remembered
   * until it expires and refused by this facade (the native API still takes it until then).
   */
  async revokeManageToken(clientId: string, text: string, expiresAt: Date): Promise<void> {
    const ttlMs = Math.max(1000, expiresAt.getTime() - this.#engine.now().getTime());
    await createHandle(this.#engine, {
      clientId,
      kind: kinds.revoked,
      data: { digest: digest(text) },
      ttlMs,
    });
  }

  async isRevoked(clientId: string, text: string): Promise<boolean> {
    const given = Buffer.from(digest(text));
    const revoked = await listHandles<{ digest: string }>(this.#engine, clientId, kinds.revoked);
    return revoked.some((handle) => {
      const stored = Buffer.from(String(handle.data.digest));
      return stored.length === given.length && timingSafeEqual(stored, given);
    });
  }

  async revokeUserToken(clientId: string, text: string): Promise<void> {
    await deleteHandles(this.#engine, { clientId, kind: kinds.token, text });
  }
}

/**
 * Whose data a `/users/{id_user}` call is about: one user (`me`, or an id), or every user of the
 * client (`all`, manage tokens only). A user token may name only its own user; any other id is
 * Powens' 404 userNotFound, as for a user that does not exist.
 */
export interface UserScope {
  clientId: string;
  /** Null: every user (`all`). */
  user: PowensUser | null;
}

export async function userScopeOf(engine: Engine, request: FastifyRequest): Promise<UserScope> {
  const caller = request.powens!;
  const clientId = request.auth!.client.id;
  const param = String((request.params as { id_user?: string }).id_user ?? '');
  if (param === 'all') {
    if (caller.kind === 'user') throw powensAnswers.forbidden('`all` needs a manage token');
    return { clientId, user: null };
  }
  if (param === 'me') {
    if (caller.kind !== 'user') throw powensAnswers.forbidden('`me` needs a user token');
    const user = await findUser(engine, clientId, caller.idUser);
    if (!user) throw powensAnswers.unauthorized('The token is not valid');
    return { clientId, user };
  }
  if (!/^\d{1,15}$/.test(param)) throw powensAnswers.invalid('id_user', 'an integer, `me` or `all`');
  const id = Number(param);
  if (caller.kind === 'user' && caller.idUser !== id) throw powensAnswers.notFound('user');
  const user = await findUser(engine, clientId, id);
  if (!user) throw powensAnswers.notFound('user');
  return { clientId, user };
}
