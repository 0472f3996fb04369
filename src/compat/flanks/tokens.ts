// Flanks' status tokens on handles (services/compat-handles.ts). `sca_token` and `reset_token`
// name a connection whose end user must go through the link again (with `&sca_token=` or
// `&reset_token=`); `transaction_token` marks a forced deeper extraction. A token is shown while
// the native state asks for it (a challenge waiting, credentials that no longer log in) or after
// the client forced it (PUT status), and is gone once the end user used it.
import {
  createHandle,
  deleteHandles,
  type Handle,
  listHandles,
  setHandleData,
} from '../../services/compat-handles.ts';
import type { ServiceDeps } from '../../services/deps.ts';

export const tokenKinds = {
  sca: 'flanks_sca',
  reset: 'flanks_reset',
  transaction: 'flanks_transaction',
} as const;

export type TokenKind = keyof typeof tokenKinds;

export interface StatusTokens {
  sca_token: string | null;
  reset_token: string | null;
  transaction_token: string | null;
}

/** Statuses in which the credentials no longer log in (Flanks' `blocked`). */
export const blockedStatuses: ReadonlySet<string> = new Set([
  'credentials_invalid',
  'password_expired',
  'locked',
  'action_needed',
]);

/** What the tokens depend on: a connection row, or its API view with its client. */
export interface TokenSubject {
  id: string;
  client_id: string;
  status: string;
  needs_user: boolean;
  last_refresh_at: Date | string | null;
}

interface TokenData extends Record<string, unknown> {
  /** The client asked for it (PUT status); otherwise the native state did and it goes with that state. */
  forced: boolean;
}

/**
 * The connection's token of this kind, creating one when `create`. A forced one is kept until
 * used, even when the native state had asked for it first.
 */
export async function tokenOf(
  engine: ServiceDeps,
  connection: TokenSubject,
  kind: TokenKind,
  create?: { forced: boolean },
): Promise<Handle<TokenData> | undefined> {
  const [existing] = await listHandles<TokenData>(engine, connection.client_id, tokenKinds[kind], [
    connection.id,
  ]);
  if (existing) {
    if (create?.forced && !existing.data.forced) {
      await setHandleData(engine, existing.text!, { forced: true });
      return { ...existing, data: { forced: true } };
    }
    return existing;
  }
  if (!create) return undefined;
  return createHandle<TokenData>(engine, {
    clientId: connection.client_id,
    kind: tokenKinds[kind],
    connectionId: connection.id,
    data: { forced: create.forced },
    reveal: true,
    prefix: `${kind}_`,
  });
}

type HeldTokens = Record<TokenKind, Map<string, Handle<TokenData>>>;

/** The tokens of these connections, one read per kind (a page of the credentials list at once). */
async function heldTokens(engine: ServiceDeps, clientId: string, connectionIds: readonly string[]) {
  const held = {} as HeldTokens;
  for (const kind of Object.keys(tokenKinds) as TokenKind[]) {
    held[kind] = new Map();
    for (const token of await listHandles<TokenData>(engine, clientId, tokenKinds[kind], connectionIds))
      if (token.connectionId && !held[kind].has(token.connectionId))
        held[kind].set(token.connectionId, token);
  }
  return held;
}

/** The tokens the status shows now: asked for by the native state or forced and not used yet. */
async function tokensNow(
  engine: ServiceDeps,
  connection: TokenSubject,
  held: HeldTokens,
): Promise<StatusTokens> {
  const blocked = blockedStatuses.has(connection.status);
  // Credentials that no longer log in also need the end user, but for a reset, not an SCA.
  const needsSca = connection.status === 'challenge_required' || (connection.needs_user && !blocked);
  const drop = (kind: TokenKind) =>
    deleteHandles(engine, {
      clientId: connection.client_id,
      kind: tokenKinds[kind],
      connectionId: connection.id,
    });
  const shown = async (kind: TokenKind, wanted: boolean) => {
    const token =
      held[kind].get(connection.id) ??
      (wanted ? await tokenOf(engine, connection, kind, { forced: false }) : undefined);
    if (!token) return null;
    if (wanted || token.data.forced) return token.text;
    // The state that asked for it has passed: it is no longer needed.
    await drop(kind);
    return null;
  };
  const transaction = held.transaction.get(connection.id);
  // The deeper extraction it asked for has run once a refresh ended after it was asked.
  const transactionDone =
    transaction !== undefined &&
    connection.last_refresh_at !== null &&
    new Date(connection.last_refresh_at) > transaction.createdAt &&
    connection.status === 'ok';
  if (transactionDone) await drop('transaction');
  return {
    sca_token: await shown('sca', needsSca),
    reset_token: await shown('reset', blocked),
    transaction_token: transaction && !transactionDone ? transaction.text : null,
  };
}

/** The status tokens of each of a client's connections, in order. */
export async function statusTokensOf(
  engine: ServiceDeps,
  clientId: string,
  connections: readonly TokenSubject[],
): Promise<StatusTokens[]> {
  const held = await heldTokens(
    engine,
    clientId,
    connections.map((c) => c.id),
  );
  const tokens: StatusTokens[] = [];
  for (const connection of connections) tokens.push(await tokensNow(engine, connection, held));
  return tokens;
}

export async function statusTokens(engine: ServiceDeps, connection: TokenSubject): Promise<StatusTokens> {
  return (await statusTokensOf(engine, connection.client_id, [connection]))[0]!;
}

/** The end user went through the link with this token: it has done its work. */
export async function useToken(engine: ServiceDeps, clientId: string, kind: TokenKind, text: string) {
  await deleteHandles(engine, { clientId, kind: tokenKinds[kind], text });
}
