// Hosted Connect: the developer's server opens a session, the end user connects an institution on
// Tesoro's page (the developer never sees the password), and the developer's server exchanges the
// one-use code the page hands back for the connection. The page authenticates with the session's
// own token, never with the client's API token.
import { createHash, randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { InstitutionDefinition, Language } from '../connectors/connector.ts';
import { type ConnectionStatus, errorStatuses, institutionSaid } from '../domain/connection-status.ts';
import { AppError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Product } from '../domain/products.ts';
import { open, seal } from '../security/envelope.ts';
import { findClientName, findRedirectUris, setRedirectUriList } from '../store/clients.ts';
import {
  countUnusedCodes,
  endOpenSession,
  findOpenSessionOfConnection,
  findSession,
  insertCode,
  insertSession,
  redirectUrisOfSession,
  sessionExtra,
  setSessionConnection,
  type UnusedCodeFilter,
  unusedCodes,
  useCode,
} from '../store/connect-sessions.ts';
import { findConnection } from '../store/connections.ts';
import type { ConnectSessionsTable } from '../store/schema.ts';
import { presentConnection } from './connection-view.ts';
import {
  answerChallenge,
  createConnection,
  deleteConnection,
  type Presence,
  updateCredentials,
} from './connections.ts';
import type { ServiceDeps } from './deps.ts';

export const SESSION_TTL_MS = 30 * 60_000;
export const CODE_TTL_MS = 10 * 60_000;
const MAX_REDIRECT_URIS = 20;

export type ConnectSession = Selectable<ConnectSessionsTable>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const codeContext = (sessionId: string) => `connect_codes:${sessionId}:code`;

// ---- redirect URIs

/** Why a redirect URI is refused, or null: https, or http on loopback for development; no fragment. */
export function redirectUriProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not an absolute URL';
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    return 'must be https (http only on localhost)';
  if (url.hash) return 'must not have a fragment';
  if (url.username || url.password) return 'must not carry credentials';
  return null;
}

export async function setRedirectUris(deps: Pick<ServiceDeps, 'db'>, clientId: string, uris: string[]) {
  const errors = uris.flatMap((uri, index) => {
    const problem = redirectUriProblem(uri);
    return problem ? [{ path: ['redirect_uris', index], detail: problem }] : [];
  });
  if (uris.length > MAX_REDIRECT_URIS)
    errors.push({ path: ['redirect_uris'], detail: `at most ${MAX_REDIRECT_URIS}` });
  if (errors.length > 0)
    throw new AppError('VALIDATION_FAILED', 'Some redirect URIs are not valid.', { fields: errors });
  const unique = [...new Set(uris)];
  await setRedirectUriList(deps.db, clientId, unique);
  return { redirect_uris: unique };
}

export async function getRedirectUris(deps: Pick<ServiceDeps, 'db'>, clientId: string) {
  return { redirect_uris: await findRedirectUris(deps.db, clientId) };
}

// ---- sessions (the developer's server)

export interface SessionInput {
  redirect_uri: string;
  state?: string;
  institution_ids?: string[];
  products?: Product[];
  country?: string;
  language?: Language;
  external_id?: string;
  access_mode?: 'single' | 'recurrent';
  refresh_interval?: string;
  extra?: Record<string, unknown>;
  connection_id?: string;
  /** Refuse credentials the client already connected at the institution (the page says so). */
  unique_credentials?: boolean;
}

export async function createSession(
  deps: ServiceDeps,
  publicUrl: string,
  clientId: string,
  input: SessionInput,
  now = deps.now(),
) {
  const { redirect_uris } = await getRedirectUris(deps, clientId);
  if (!redirect_uris.includes(input.redirect_uri))
    throw new AppError('VALIDATION_FAILED', 'The redirect_uri is not registered for this client.', {
      fields: [
        {
          path: ['redirect_uri'],
          detail: 'is not one of the redirect URIs registered with PUT /v1/client/redirect-uris',
        },
      ],
    });
  const unknown = (input.institution_ids ?? []).flatMap((id, index) =>
    deps.registry.findInstitution(id)
      ? []
      : [{ path: ['institution_ids', index], detail: 'is not a known institution' }],
  );
  if (unknown.length > 0)
    throw new AppError('VALIDATION_FAILED', 'Unknown institutions.', { fields: unknown });
  let access = input.access_mode ?? 'recurrent';
  if (input.connection_id) {
    const existing = await findConnection(deps.db, clientId, input.connection_id);
    if (!existing) throw new AppError('NOT_FOUND', `No connection ${input.connection_id}.`);
    access = existing.access_mode;
  }
  const id = newId('connectSession');
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await insertSession(deps.db, {
    id,
    client_id: clientId,
    token_hash: sha256(token),
    redirect_uri: input.redirect_uri,
    state: input.state ?? null,
    institution_ids: input.institution_ids ?? null,
    products: input.products ?? null,
    country: input.country ?? null,
    language: input.language ?? 'en',
    external_id: input.external_id ?? null,
    access_mode: access,
    refresh_interval: input.refresh_interval ?? null,
    extra: input.extra ? JSON.stringify(input.extra) : null,
    update_connection_id: input.connection_id ?? null,
    unique_credentials: input.unique_credentials ?? false,
    connection_id: null,
    status: 'open',
    expires_at: expiresAt,
  });
  // The token travels in the fragment: browsers never send it to a server or in a Referer.
  return { id, url: `${publicUrl}/connect/${id}#${token}`, expires_at: expiresAt.toISOString() };
}

// ---- the page's side

/** The session a page request is about; its token must match and it must still be open. */
export async function sessionForPage(
  deps: Pick<ServiceDeps, 'db' | 'now'>,
  sessionId: string,
  token: string | undefined,
): Promise<ConnectSession> {
  const row = await findSession(deps.db, sessionId);
  if (!row || !token || row.token_hash !== sha256(token))
    throw new AppError('CONNECT_SESSION_INVALID', 'This Connect link is not valid.');
  if (row.status !== 'open' || row.expires_at.getTime() <= deps.now().getTime())
    throw new AppError('CONNECT_SESSION_EXPIRED', 'This Connect link has expired or was already used.');
  return row;
}

/** The origins that may frame the page or receive its messages: those of the redirect URIs. */
export async function allowedOrigins(deps: Pick<ServiceDeps, 'db'>, sessionId: string): Promise<string[]> {
  return [...new Set((await redirectUrisOfSession(deps.db, sessionId)).map((uri) => new URL(uri).origin))];
}

function offered(deps: ServiceDeps, session: ConnectSession): InstitutionDefinition[] {
  if (session.update_connection_id) return [];
  return deps.registry
    .institutions()
    .filter(
      (institution) =>
        institution.kind !== 'file' &&
        (!session.institution_ids || session.institution_ids.includes(institution.id)) &&
        (!session.country || institution.country === session.country) &&
        (!session.products || session.products.every((p) => institution.products.includes(p as Product))),
    );
}

/**
 * The origins of the institutions' logos (the page's CSP lets images load from these alone):
 * they come from connectors' catalogs, never from a client.
 */
export function logoOrigins(deps: Pick<ServiceDeps, 'registry'>): string[] {
  const origins = new Set<string>();
  for (const institution of deps.registry.institutions()) {
    if (!institution.logoUrl) continue;
    const url = URL.parse(institution.logoUrl);
    if (url && (url.protocol === 'https:' || url.protocol === 'http:')) origins.add(url.origin);
  }
  return [...origins].sort();
}

const initialsOf = (name: string) =>
  name
    .split(/\s+/)
    .filter((word) => /^\p{Lu}/u.test(word))
    .slice(0, 2)
    .map((word) => word[0])
    .join('') || name.slice(0, 2).toUpperCase();

function presentForPage(institution: InstitutionDefinition, language: Language) {
  return {
    id: institution.id,
    name: institution.name,
    initials: initialsOf(institution.name),
    color: institution.primaryColor,
    // The upstream's logo (Enable Banking's bank list); the page shows the initials without one.
    logo_url: institution.logoUrl ?? null,
    country: institution.country,
    description: institution.description[language],
    fields: institution.fields.map((field) => ({
      name: field.name,
      label: field.label[language],
      type: field.type,
      required: field.required,
      placeholder: field.placeholder?.[language] ?? null,
      options: field.options?.map((o) => ({ value: o.value, label: o.label[language] })) ?? null,
    })),
  };
}

/** What the page shows first: the institutions to pick from, or the one being updated. */
export async function pageSession(deps: ServiceDeps, session: ConnectSession) {
  const language = session.language;
  const clientName = await findClientName(deps.db, session.client_id);
  let update = null;
  if (session.update_connection_id) {
    const connection = await findConnection(deps.db, session.client_id, session.update_connection_id);
    const institution = connection && deps.registry.institutionOf(connection.institution_id);
    if (institution) update = presentForPage(institution, language);
  }
  return {
    language,
    client_name: clientName,
    expires_at: session.expires_at.toISOString(),
    redirect_origin: new URL(session.redirect_uri).origin,
    update_institution: update,
    institutions: offered(deps, session).map((institution) => presentForPage(institution, language)),
  };
}

/**
 * Submits the login form. Update mode and a retry in the same session reuse the connection (same
 * id, same data ids); picking another institution after a failure replaces the failed one.
 */
export async function submitCredentials(
  deps: ServiceDeps,
  session: ConnectSession,
  input: { institution_id: string; credentials: Record<string, string> },
  present: Presence = {},
): Promise<{ connection_id: string }> {
  const clientId = session.client_id;
  const existingId = session.update_connection_id ?? session.connection_id;
  const existing = existingId ? await findConnection(deps.db, clientId, existingId) : undefined;
  let connectionId: string;
  if (existing && (session.update_connection_id || existing.institution_id === input.institution_id)) {
    if (existing.institution_id !== input.institution_id)
      throw new AppError('VALIDATION_FAILED', 'This session updates another institution.', {
        fields: [{ path: ['institution_id'], detail: `must be ${existing.institution_id}` }],
      });
    await updateCredentials(deps, clientId, existing.id, input.credentials, present);
    connectionId = existing.id;
  } else {
    if (!offered(deps, session).some((institution) => institution.id === input.institution_id))
      throw new AppError('VALIDATION_FAILED', 'This institution is not offered in this session.', {
        fields: [{ path: ['institution_id'], detail: 'is not offered in this session' }],
      });
    const institution = deps.registry.findInstitution(input.institution_id)!;
    connectionId = await createConnection(
      deps,
      clientId,
      {
        institution_id: input.institution_id,
        credentials: input.credentials,
        access_mode: session.access_mode,
        ...(session.refresh_interval ? { refresh_interval: session.refresh_interval } : {}),
        ...(session.products
          ? { products: institution.products.filter((p) => session.products!.includes(p)) }
          : {}),
        ...(session.external_id ? { external_id: session.external_id } : {}),
        ...(session.unique_credentials ? { unique_credentials: true } : {}),
      },
      present,
    );
    // The connection this session made earlier, for another institution, never succeeded.
    if (existing) await deleteConnection(deps.db, clientId, existing.id);
  }
  await setSessionConnection(deps.db, session.id, connectionId);
  return { connection_id: connectionId };
}

/** Where the page stops with an error: the domain's error statuses, and a disabled connection. */
const pageErrorStatuses = new Set<string>([...errorStatuses, 'disabled']);

/** Where the end user is: working, a challenge to answer, success, or an error in plain words. */
export async function pageProgress(deps: ServiceDeps, session: ConnectSession) {
  if (!session.connection_id) return { state: 'idle' as const };
  const connection = await findConnection(deps.db, session.client_id, session.connection_id);
  if (!connection) return { state: 'idle' as const };
  const view = await presentConnection(deps.db, connection, session.language);
  const base = { connection_id: view.id, status: view.status, detail: view.status_detail };
  if (view.challenge) return { ...base, state: 'challenge' as const, challenge: view.challenge };
  if (view.refresh === null && view.status === 'ok') return { ...base, state: 'success' as const };
  if (view.refresh === null && pageErrorStatuses.has(view.status)) {
    // What the institution itself said, when it said more than the status's generic words (a
    // SimpleFIN token already claimed, a bank's own message): the page shows it under its own.
    return {
      ...base,
      state: 'error' as const,
      institution_said: institutionSaid(view.status as ConnectionStatus, view.status_detail),
    };
  }
  return { ...base, state: 'working' as const };
}

export async function answerForPage(
  deps: ServiceDeps,
  session: ConnectSession,
  answers: Record<string, string>,
  present: Presence = {},
) {
  if (!session.connection_id) throw new AppError('CHALLENGE_NOT_OPEN', 'Nothing is waiting for an answer.');
  await answerChallenge(deps, session.client_id, session.connection_id, answers, present);
}

const withParams = (uri: string, params: Record<string, string | null>) => {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.set(name, value);
  return url.toString();
};

/** Ends a successful session: a one-use code for the developer's server, and where to send the user. */
export async function finishSession(deps: ServiceDeps, session: ConnectSession) {
  const progress = await pageProgress(deps, session);
  if (progress.state !== 'success')
    throw new AppError('CONNECT_NOT_COMPLETE', 'The connection has not succeeded yet.');
  return handOver(deps, session);
}

/**
 * Completes a session with a one-use code for its connection, and the redirect back to the
 * developer's application. A redirect consent hands over as soon as the institution accepted it
 * (the data follows, announced by connection.historical_update).
 */
export async function handOver(deps: Pick<ServiceDeps, 'db' | 'keyring' | 'now'>, session: ConnectSession) {
  const code = `ccd_${randomBytes(32).toString('base64url')}`;
  await deps.db.transaction().execute(async (trx) => {
    // Completing the session is the guard: of concurrent finishes only one finds it still open,
    // so a session hands out one code.
    if (!(await endOpenSession(trx, session.id, 'completed')))
      throw new AppError('CONNECT_SESSION_EXPIRED', 'This Connect session was already completed.');
    await insertCode(trx, {
      code_hash: sha256(code),
      code_sealed: seal(deps.keyring, code, codeContext(session.id)),
      client_id: session.client_id,
      session_id: session.id,
      connection_id: session.connection_id!,
      expires_at: new Date(deps.now().getTime() + CODE_TTL_MS),
    });
  });
  return { code, redirect_url: withParams(session.redirect_uri, { code, state: session.state }) };
}

/** The open session that made (or updates) a connection, if the end user came through Connect. */
export async function findOpenSessionOf(deps: Pick<ServiceDeps, 'db' | 'now'>, connectionId: string) {
  return findOpenSessionOfConnection(deps.db, connectionId, deps.now());
}

/** Where to send the end user when a session ends without a connection (an error, a refusal). */
export const redirectWithError = (session: ConnectSession, error: string) =>
  withParams(session.redirect_uri, { error, state: session.state });

/** The end user gave up: a connection this session made and that never succeeded is removed. */
export async function cancelSession(deps: ServiceDeps, session: ConnectSession) {
  if (!(await endOpenSession(deps.db, session.id, 'cancelled')))
    throw new AppError('CONNECT_SESSION_EXPIRED', 'This Connect session has already ended.');
  if (session.connection_id && !session.update_connection_id) {
    const connection = await findConnection(deps.db, session.client_id, session.connection_id);
    if (connection && connection.last_refresh_at === null)
      await deleteConnection(deps.db, session.client_id, connection.id);
  }
  return { redirect_url: withParams(session.redirect_uri, { error: 'cancelled', state: session.state }) };
}

// ---- codes (the developer's server)

export async function exchangeCode(deps: Pick<ServiceDeps, 'db' | 'now'>, clientId: string, code: string) {
  const now = deps.now();
  const used = await useCode(deps.db, clientId, sha256(code), now);
  if (!used) throw new AppError('CONNECT_CODE_INVALID', 'The code is unknown, expired or already exchanged.');
  const extra = await sessionExtra(deps.db, used.session_id);
  const connection = (await findConnection(deps.db, clientId, used.connection_id))!;
  return {
    connection_id: connection.id,
    external_id: connection.external_id,
    institution_id: connection.institution_id,
    extra,
  };
}

/**
 * A client's unused codes with the `extra` their session was created with; of one session, or of
 * the sessions whose `extra` holds `key` = `value` (a facade's link, say), when given.
 */
export async function listUnusedCodes(
  deps: Pick<ServiceDeps, 'db' | 'keyring' | 'now'>,
  clientId: string,
  filter: UnusedCodeFilter = {},
) {
  const rows = await unusedCodes(deps.db, clientId, filter, deps.now());
  return {
    data: rows.map((row) => ({
      code: open(deps.keyring, row.code_sealed, codeContext(row.session_id)),
      session_id: row.session_id,
      connection_id: row.connection_id,
      extra: row.extra ?? null,
      expires_at: row.expires_at.toISOString(),
    })),
  };
}

/** How many codes are waiting to be exchanged (no code is opened to count them). */
export async function countOfUnusedCodes(
  deps: Pick<ServiceDeps, 'db' | 'now'>,
  clientId: string,
  filter: UnusedCodeFilter,
): Promise<number> {
  return countUnusedCodes(deps.db, clientId, filter, deps.now());
}
