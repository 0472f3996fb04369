// Flinks' sessions, as compat handles (services/compat-handles.ts): none is a native concept.
// - An authorize token (`flinks_authorize`): single use, 30 minutes, as Flinks documents.
// - A RequestId (`flinks_request`): what /Authorize opened, on which login, cached or live (and
//   then which refresh it follows), and the options of the last data call, so that the …Async
//   poll answers the same shape. It lasts 30 minutes, the polling window Flinks gives.
// - A login's username (`flinks_login`): Flinks echoes `Login.Username`, and Tesoro keeps
//   credentials sealed; the facade keeps the username of the logins it created (never the
//   password), and answers null for logins made on the hosted page.
// Handles are 112 random bits, shown to Flinks' clients as GUIDs (shared/guid.ts).
import {
  consumeHandle,
  createHandle,
  findHandle,
  type Handle,
  listHandles,
  setHandleData,
} from '../../services/compat-handles.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { decodeGuid, guidOfHandle } from '../shared/guid.ts';
import { flinksAnswers } from './errors.ts';

const AUTHORIZE = 'flinks_authorize';
const REQUEST = 'flinks_request';
const LOGIN = 'flinks_login';

export const AUTHORIZE_TOKEN_TTL_MS = 30 * 60_000;
export const SESSION_TTL_MS = 30 * 60_000;

/** The options of a data call, kept so that the …Async poll answers the same shape. */
export type DataOptions = {
  withTransactions: boolean;
  withBalance: boolean;
  withHolder: boolean;
  /** Account numbers in full (WithAccountIdentity); masked otherwise. */
  withIdentity: boolean;
  accounts: string[] | null;
  from: string | null;
  to: string | null;
};

// A type, not an interface: handle data must be assignable to Record<string, unknown>.
export type RequestSession = {
  connection_id: string;
  /** `cached`: the stored data; `live`: after the refresh `refresh_id`. */
  mode: 'cached' | 'live';
  refresh_id: string | null;
  /** Opened by a new login: if the bank refuses it, the connection is removed (Flinks gives no LoginId). */
  created?: boolean;
  /** When the session was opened (OPERATION_DISPATCHED is said once it has waited long). */
  opened_at: string;
  detail?: DataOptions;
  summary?: DataOptions;
};

export interface OpenSession {
  /** The RequestId, as Flinks' clients see it. */
  requestId: string;
  clientId: string;
  text: string;
  data: RequestSession;
}

type Deps = Pick<ServiceDeps, 'db' | 'keyring' | 'now'>;

const handleTextOf = (guid: unknown): string | undefined => {
  if (typeof guid !== 'string') return undefined;
  const decoded = decodeGuid(guid);
  return decoded?.kind === 'handle' ? decoded.id : undefined;
};

export async function newAuthorizeToken(deps: Deps, clientId: string): Promise<string> {
  const handle = await createHandle(deps, {
    clientId,
    kind: AUTHORIZE,
    data: {},
    ttlMs: AUTHORIZE_TOKEN_TTL_MS,
  });
  return guidOfHandle(handle.text!);
}

/** Uses an authorize token once; false when it is unknown, used, expired or another client's. */
export async function useAuthorizeToken(deps: Deps, clientId: string, token: unknown): Promise<boolean> {
  const text = handleTextOf(token);
  return text !== undefined && (await consumeHandle(deps, AUTHORIZE, text, clientId)) !== undefined;
}

export async function openSession(
  deps: Deps,
  clientId: string,
  data: Omit<RequestSession, 'opened_at'>,
): Promise<OpenSession> {
  const session: RequestSession = { ...data, opened_at: deps.now().toISOString() };
  const handle = await createHandle(deps, {
    clientId,
    kind: REQUEST,
    data: session,
    connectionId: data.connection_id,
    ttlMs: SESSION_TTL_MS,
  });
  return { requestId: guidOfHandle(handle.text!), clientId, text: handle.text!, data: session };
}

const toSession = (guid: string, handle: Handle<RequestSession>, text: string): OpenSession => ({
  requestId: guid.toLowerCase(),
  clientId: handle.clientId,
  text,
  data: handle.data,
});

/** The session a RequestId names, of this client; SESSION_NONEXISTENT otherwise. */
export async function sessionOf(deps: Deps, clientId: string, requestId: unknown): Promise<OpenSession> {
  const text = handleTextOf(requestId);
  const handle =
    text === undefined ? undefined : await findHandle<RequestSession>(deps, REQUEST, text, clientId);
  if (!handle || text === undefined) throw flinksAnswers.sessionNonexistent();
  return toSession(requestId as string, handle, text);
}

export async function saveSession(deps: Deps, session: OpenSession): Promise<void> {
  await setHandleData(deps, session.text, session.data);
}

export async function rememberUsername(
  deps: Deps,
  clientId: string,
  connectionId: string,
  username: string,
): Promise<void> {
  await createHandle(deps, { clientId, kind: LOGIN, data: { username }, connectionId });
}

/** The username of logins the facade created; null for the others. */
export async function usernameOf(deps: Deps, clientId: string, connectionId: string): Promise<string | null> {
  const [handle] = await listHandles<{ username: string }>(deps, clientId, LOGIN, [connectionId]);
  return handle?.data.username ?? null;
}
