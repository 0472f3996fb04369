// Handles: short-lived opaque state the vendor facades hand out and take back (SPEC gap G2) —
// Flanks' link, SCA, reset and transaction tokens, Flinks' authorize tokens and request ids,
// Powens' temporary codes. A handle is 112 random bits (so it also fits in a UUID when a vendor
// wants a GUID), stored by its SHA-256; its text is sealed with the master key only when the
// facade must show it again. A handle is always looked up with the calling client, except by the
// public pages that hold nothing but the handle (the handle is then the capability).
import { createHash, randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import { open, seal } from '../security/envelope.ts';
import {
  deleteExpiredHandleRows,
  deleteHandleRows,
  findHandleRow,
  handleRowsOf,
  insertHandle,
  takeHandleRow,
  updateHandleData,
} from '../store/compat-handles.ts';
import type { CompatHandlesTable } from '../store/schema.ts';
import type { ServiceDeps } from './deps.ts';

type Deps = Pick<ServiceDeps, 'db' | 'keyring' | 'now'>;

export interface Handle<T extends Record<string, unknown> = Record<string, unknown>> {
  /** The handle's text: known when it was just created, or when it is kept (`reveal`). */
  text: string | null;
  kind: string;
  clientId: string;
  connectionId: string | null;
  data: T;
  expiresAt: Date | null;
  createdAt: Date;
}

export interface NewHandle<T extends Record<string, unknown>> {
  clientId: string;
  kind: string;
  data: T;
  connectionId?: string | undefined;
  /** Lifetime; none: until it is used, deleted or its connection goes. */
  ttlMs?: number | undefined;
  /** Keep the text (sealed) so it can be shown again. */
  reveal?: boolean | undefined;
  /** A prefix for readability (`flk_`), not part of the randomness. */
  prefix?: string | undefined;
}

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');
const sealContextOf = (hash: string) => `compat_handles:${hash}`;

function toHandle<T extends Record<string, unknown>>(
  deps: Deps,
  row: Selectable<CompatHandlesTable>,
  text?: string,
): Handle<T> {
  return {
    text:
      text ??
      (row.handle_sealed ? open(deps.keyring, row.handle_sealed, sealContextOf(row.handle_hash)) : null),
    kind: row.kind,
    clientId: row.client_id,
    connectionId: row.connection_id,
    data: row.data as T,
    expiresAt: row.expires_at ? new Date(row.expires_at) : null,
    createdAt: new Date(row.created_at),
  };
}

export async function createHandle<T extends Record<string, unknown>>(
  deps: Deps,
  input: NewHandle<T>,
): Promise<Handle<T>> {
  const text = `${input.prefix ?? ''}${randomBytes(14).toString('base64url')}`;
  const hash = hashOf(text);
  const now = deps.now();
  const expiresAt = input.ttlMs === undefined ? null : new Date(now.getTime() + input.ttlMs);
  await insertHandle(deps.db, {
    handle_hash: hash,
    client_id: input.clientId,
    kind: input.kind,
    connection_id: input.connectionId ?? null,
    handle_sealed: input.reveal ? seal(deps.keyring, text, sealContextOf(hash)) : null,
    data: JSON.stringify(input.data),
    expires_at: expiresAt,
  });
  return {
    text,
    kind: input.kind,
    clientId: input.clientId,
    connectionId: input.connectionId ?? null,
    data: input.data,
    expiresAt,
    createdAt: now,
  };
}

/** The live handle of this kind with this text; of this client when `clientId` is given. */
export async function findHandle<T extends Record<string, unknown>>(
  deps: Deps,
  kind: string,
  text: string,
  clientId?: string,
): Promise<Handle<T> | undefined> {
  const row = await findHandleRow(deps.db, { clientId, kind, hash: hashOf(text), now: deps.now() });
  return row && toHandle<T>(deps, row, text);
}

/** Uses a handle once: of concurrent calls only one gets it, and it is gone afterwards. */
export async function consumeHandle<T extends Record<string, unknown>>(
  deps: Deps,
  kind: string,
  text: string,
  clientId?: string,
): Promise<Handle<T> | undefined> {
  const row = await takeHandleRow(deps.db, { clientId, kind, hash: hashOf(text), now: deps.now() });
  return row && toHandle<T>(deps, row, text);
}

/** A client's live handles of one kind, of these connections when given, oldest first. */
export async function listHandles<T extends Record<string, unknown>>(
  deps: Deps,
  clientId: string,
  kind: string,
  connectionIds?: readonly string[],
): Promise<Array<Handle<T>>> {
  if (connectionIds?.length === 0) return [];
  const rows = await handleRowsOf(deps.db, { clientId, kind, connectionIds, now: deps.now() });
  return rows.map((row) => toHandle<T>(deps, row));
}

/** Replaces the data of a handle found earlier (by its text). */
export async function setHandleData(deps: Deps, text: string, data: Record<string, unknown>): Promise<void> {
  await updateHandleData(deps.db, hashOf(text), JSON.stringify(data));
}

/** Deletes a client's handles of one kind: one (by text), those of a connection, or all. */
export async function deleteHandles(
  deps: Deps,
  scope: { clientId: string; kind: string; connectionId?: string; text?: string },
): Promise<number> {
  return deleteHandleRows(deps.db, {
    clientId: scope.clientId,
    kind: scope.kind,
    connectionIds: scope.connectionId === undefined ? undefined : [scope.connectionId],
    hash: scope.text === undefined ? undefined : hashOf(scope.text),
  });
}

/** Removes expired handles (the purge job). */
export async function deleteExpiredHandles(deps: Pick<ServiceDeps, 'db'>, now: Date): Promise<number> {
  return deleteExpiredHandleRows(deps.db, now);
}
