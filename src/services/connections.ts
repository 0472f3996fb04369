// Use cases of connections: create, read, update credentials or settings, refresh, answer a
// challenge, ask for re-authentication, disable, enable and delete. Every one is scoped to the
// calling client.
import { createHmac, hkdfSync } from 'node:crypto';
import type { Kysely, Transaction, Updateable } from 'kysely';
import type { InstitutionDefinition, LoginField, UserPresent } from '../connectors/connector.ts';
import { statusDetails } from '../domain/connection-status.ts';
import { AppError, type FieldProblem, validationFailed } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Product } from '../domain/products.ts';
import { priorityOfRefresh, REFRESH_CONNECTION, refreshPriority } from '../jobs/definitions.ts';
import { type MasterKeyring, seal } from '../security/envelope.ts';
import { claimOpenChallenge } from '../store/challenges.ts';
import {
  abandonActiveRefreshes,
  type ConnectionRow,
  type Db,
  deleteConnectionRow,
  findActiveRefresh,
  findConnection,
  findConnectionByFingerprint,
  findConnectionForUpdate,
  findOpenChallenge,
  insertConnection,
  insertQueuedRefresh,
  lockLoginIdentity,
  recordInitialStatus,
  setStatus,
  updateConnection,
} from '../store/connections.ts';
import { recordEvent } from '../store/events.ts';
import { updateRefresh } from '../store/refreshes.ts';
import type { ConnectionsTable, ProductState, Schema } from '../store/schema.ts';
import { REFRESH_INTERVALS_MS, type ServiceDeps, sealContext } from './deps.ts';

export const DEFAULT_HISTORY_DAYS = 730;

export interface CreateConnectionInput {
  institution_id: string;
  credentials: Record<string, string>;
  access_mode: 'single' | 'recurrent';
  refresh_interval?: string;
  products?: Product[];
  history_days?: number;
  external_id?: string;
  /** Refuse with CONNECTION_DUPLICATE when the client already connected this login identity. */
  unique_credentials?: boolean;
}

/** Checks values against a form (institution login fields or challenge answer fields). */
export function validateAgainstFields(
  fields: readonly LoginField[],
  values: Record<string, unknown>,
  base: string,
): FieldProblem[] {
  const errors: FieldProblem[] = [];
  for (const field of fields) {
    const value = values[field.name];
    const path = [base, field.name];
    if (value === undefined || value === '') {
      if (field.required) errors.push({ path, detail: 'is required' });
      continue;
    }
    if (typeof value !== 'string') errors.push({ path, detail: 'must be a string' });
    else if (field.validation && !new RegExp(field.validation, 'u').test(value)) {
      errors.push({ path, detail: `does not match the expected format ${field.validation}` });
    } else if (field.options && !field.options.some((option) => option.value === value)) {
      errors.push({ path, detail: `must be one of: ${field.options.map((o) => o.value).join(', ')}` });
    }
  }
  for (const name of Object.keys(values)) {
    if (!fields.some((field) => field.name === name))
      errors.push({ path: [base, name], detail: 'is not a field of this form' });
  }
  return errors;
}

function institutionOrError(deps: ServiceDeps, id: string): InstitutionDefinition {
  const institution = deps.registry.findInstitution(id);
  if (!institution) {
    throw new AppError('VALIDATION_FAILED', `No institution ${id}.`, {
      fields: [{ path: ['institution_id'], detail: 'is not a known institution' }],
    });
  }
  return institution;
}

function assertValid(errors: FieldProblem[]): void {
  if (errors.length > 0) throw validationFailed(errors);
}

/** The products the institution does not offer, each by its index in the list. */
function productProblems(institution: InstitutionDefinition, products: readonly Product[]): FieldProblem[] {
  return products.flatMap((product, index) =>
    institution.products.includes(product)
      ? []
      : [{ path: ['products', index], detail: `is not offered by ${institution.name}` }],
  );
}

/** A refresh interval is only for recurrent connections. */
function intervalProblems(accessMode: 'single' | 'recurrent', interval: string | undefined): FieldProblem[] {
  return accessMode === 'single' && interval
    ? [{ path: ['refresh_interval'], detail: 'only applies to recurrent connections' }]
    : [];
}

/** product_status for a list of products: each keeps its state, a new one starts not created. */
function productStatusOf(
  products: readonly string[],
  current: Readonly<Record<string, ProductState>> = {},
): Record<string, ProductState> {
  return Object.fromEntries(products.map((p) => [p, current[p] ?? { created: false, errored: false }]));
}

// ---- credentials fingerprints (unique_credentials)

/** Fixed, so the same master key always derives the same fingerprint key. */
const FINGERPRINT_KEY_INFO = 'tesoro/connections/credentials-fingerprint/v1';

/**
 * The login identity of credentials at an institution: the institution and every login field that
 * is not a password, by name (the password changes; who logs in does not). Compared exactly.
 */
function loginIdentity(institution: InstitutionDefinition, credentials: Record<string, string>): string {
  const fields = institution.fields
    .filter((field) => field.type !== 'password')
    .map((field) => [field.name, credentials[field.name] ?? ''])
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
  return JSON.stringify([institution.id, fields]);
}

/**
 * The fingerprint of a login identity under one master key version: HMAC-SHA-256 keyed with an
 * HKDF derivation of that master key (never the master key itself, which only wraps data keys).
 * Keyed, so a database dump alone does not let anyone test guessed usernames against it.
 */
function fingerprintUnder(keyring: MasterKeyring, version: number, identity: string): string {
  const key = Buffer.from(hkdfSync('sha256', keyring.keys.get(version)!, '', FINGERPRINT_KEY_INFO, 32));
  return `v${version}.${createHmac('sha256', key).update(identity).digest('base64url')}`;
}

/** The fingerprint stored with the credentials: under the current master key. */
function credentialsFingerprint(
  keyring: MasterKeyring,
  institution: InstitutionDefinition,
  credentials: Record<string, string>,
): string {
  return fingerprintUnder(keyring, keyring.current, loginIdentity(institution, credentials));
}

/** The client's connection with this login identity, fingerprinted under any configured key version. */
async function duplicateOf(
  db: Db,
  keyring: MasterKeyring,
  clientId: string,
  institution: InstitutionDefinition,
  credentials: Record<string, string>,
): Promise<string | undefined> {
  const identity = loginIdentity(institution, credentials);
  const fingerprints = [...keyring.keys.keys()].map((version) =>
    fingerprintUnder(keyring, version, identity),
  );
  return (await findConnectionByFingerprint(db, clientId, institution.id, fingerprints))?.id;
}

/**
 * The id of the client's connection at the institution with the same login identity as
 * `credentials` (the username-like fields), or undefined. For callers that check before creating
 * (the Connect page, a facade); createConnection's `unique_credentials` makes the check atomic.
 */
export async function findDuplicateConnection(
  deps: Pick<ServiceDeps, 'db' | 'keyring' | 'registry'>,
  clientId: string,
  institutionId: string,
  credentials: Record<string, string>,
): Promise<string | undefined> {
  const institution = deps.registry.findInstitution(institutionId);
  if (!institution) return undefined;
  return duplicateOf(deps.db, deps.keyring, clientId, institution, credentials);
}

/** Throws CONNECTION_DUPLICATE if the identity is taken; holds its lock until `trx` ends. */
async function refuseDuplicate(
  deps: ServiceDeps,
  trx: Transaction<Schema>,
  clientId: string,
  institution: InstitutionDefinition,
  credentials: Record<string, string>,
  fingerprint: string,
): Promise<void> {
  await lockLoginIdentity(trx, clientId, fingerprint);
  const existing = await duplicateOf(trx, deps.keyring, clientId, institution, credentials);
  if (existing) {
    throw new AppError(
      'CONNECTION_DUPLICATE',
      `Connection ${existing} already logs in to ${institution.name} with these credentials.`,
      { extensions: { connection_id: existing } },
    );
  }
}

/** Queues a refresh, or returns the one already in flight (never two at once, even concurrently). */
async function queueRefresh(
  deps: ServiceDeps,
  trx: Transaction<Schema>,
  connection: ConnectionRow,
  trigger: string,
  present: Presence = {},
): Promise<string> {
  const id = newId('refresh');
  const inserted = await insertQueuedRefresh(trx, {
    id,
    client_id: connection.client_id,
    connection_id: connection.id,
    trigger,
    refresh_number: connection.refresh_count,
    user_present: present.userPresent ? JSON.stringify(present.userPresent) : null,
  });
  if (!inserted) {
    const active = await findActiveRefresh(trx, connection.id);
    if (active) return active.id;
    // The refresh in flight ended between the insert and this read: queue one after all.
    return queueRefresh(deps, trx, connection, trigger, present);
  }
  // First loads and whatever the end user is present for are fetched before scheduled refreshes.
  const priority = priorityOfRefresh({ trigger, user_present: present.userPresent });
  await deps.jobs.send(REFRESH_CONNECTION, { refreshId: id }, { trx, priority });
  return id;
}

/** Set when the end user is there (the Connect page): the connector may need their address. */
export interface Presence {
  userPresent?: UserPresent;
}

export async function createConnection(
  deps: ServiceDeps,
  clientId: string,
  input: CreateConnectionInput,
  present: Presence = {},
): Promise<string> {
  const institution = institutionOrError(deps, input.institution_id);
  const products = input.products ?? [...institution.products];
  assertValid([
    ...validateAgainstFields(institution.fields, input.credentials, 'credentials'),
    ...productProblems(institution, products),
    ...intervalProblems(input.access_mode, input.refresh_interval),
  ]);
  const id = newId('connection');
  const fingerprint = credentialsFingerprint(deps.keyring, institution, input.credentials);
  await deps.db.transaction().execute(async (trx) => {
    if (input.unique_credentials)
      await refuseDuplicate(deps, trx, clientId, institution, input.credentials, fingerprint);
    await insertConnection(trx, {
      id,
      client_id: clientId,
      institution_id: institution.id,
      connector: deps.registry.connectorFor(institution.id)!.id,
      access_mode: input.access_mode,
      refresh_interval: input.access_mode === 'recurrent' ? (input.refresh_interval ?? '24h') : null,
      products: [...new Set(products)],
      history_days: input.history_days ?? DEFAULT_HISTORY_DAYS,
      external_id: input.external_id ?? null,
      status: 'pending',
      status_detail: statusDetails.pending,
      product_status: JSON.stringify(productStatusOf(products)),
      credentials_sealed: seal(deps.keyring, JSON.stringify(input.credentials), sealContext.credentials(id)),
      credentials_fingerprint: fingerprint,
      session_sealed: null,
    });
    await recordInitialStatus(trx, id, 'pending', statusDetails.pending);
    const connection = (await findConnection(trx, clientId, id))!;
    await queueRefresh(deps, trx, connection, 'initial', present);
  });
  return id;
}

/** The client's connection, or undefined: for a facade that says "not found" in its own words. */
export async function findClientConnection(
  db: Kysely<Schema>,
  clientId: string,
  id: string,
): Promise<ConnectionRow | undefined> {
  return findConnection(db, clientId, id);
}

/** The id of the connection's refresh in flight (queued, running or waiting for its end user), if any. */
export async function activeRefreshIdOf(db: Kysely<Schema>, connectionId: string): Promise<string | null> {
  return (await findActiveRefresh(db, connectionId))?.id ?? null;
}

export async function getConnectionOrThrow(
  db: Kysely<Schema>,
  clientId: string,
  id: string,
): Promise<ConnectionRow> {
  const connection = await findConnection(db, clientId, id);
  if (!connection) throw new AppError('NOT_FOUND', `No connection ${id}.`);
  return connection;
}

/** Why the connection cannot be refreshed now, thrown; nothing if it can. */
function assertRefreshable(connection: ConnectionRow): void {
  if (connection.status === 'disabled')
    throw new AppError('CONNECTION_DISABLED', 'Enable the connection before refreshing it.');
  if (!connection.credentials_sealed) {
    throw new AppError(
      'CONNECTION_CONSENT_ENDED',
      'This one-shot connection keeps no credentials; update them to extract again.',
    );
  }
}

export async function requestRefresh(
  deps: ServiceDeps,
  clientId: string,
  id: string,
  trigger = 'manual',
): Promise<string> {
  return deps.db.transaction().execute(async (trx) => {
    const connection = await findConnection(trx, clientId, id);
    if (!connection) throw new AppError('NOT_FOUND', `No connection ${id}.`);
    assertRefreshable(connection);
    return queueRefresh(deps, trx, connection, trigger);
  });
}

export async function updateCredentials(
  deps: ServiceDeps,
  clientId: string,
  id: string,
  credentials: Record<string, string>,
  present: Presence = {},
): Promise<string> {
  const connection = await getConnectionOrThrow(deps.db, clientId, id);
  const institution = institutionOrError(deps, connection.institution_id);
  assertValid(validateAgainstFields(institution.fields, credentials, 'credentials'));
  if (connection.status === 'disabled')
    throw new AppError('CONNECTION_DISABLED', 'Enable the connection before updating it.');
  return deps.db.transaction().execute(async (trx) => {
    const current = (await findConnection(trx, clientId, id))!;
    // New credentials start a new session (same connection id, same data ids).
    // needs_user is cleared here whoever sends them (this API, or the Connect page in update mode):
    // new credentials are the end user's new login, re-authentication included.
    const extra = {
      credentials_sealed: seal(deps.keyring, JSON.stringify(credentials), sealContext.credentials(id)),
      credentials_fingerprint: credentialsFingerprint(deps.keyring, institution, credentials),
      session_sealed: null,
      needs_user: false,
    };
    if (current.status === 'ok' || current.status === 'pending') await updateConnection(trx, id, extra);
    else await setStatus(trx, current, 'pending', statusDetails.pending, extra);
    // Whatever was in flight used the old credentials: it is superseded by a fresh refresh.
    await abandonActiveRefreshes(trx, id, 'superseded', 'The credentials were updated.', deps.now());
    return queueRefresh(
      deps,
      trx,
      { ...current, credentials_sealed: extra.credentials_sealed },
      'credentials_update',
      present,
    );
  });
}

/** The institution a connector extracts the connection from; imported statements have none. */
function extractingInstitution(deps: ServiceDeps, connection: ConnectionRow): InstitutionDefinition {
  const institution = deps.registry.findInstitution(connection.institution_id);
  if (!institution) {
    throw new AppError(
      'VALIDATION_FAILED',
      `Connection ${connection.id} is not extracted from an institution (${connection.institution_id}): it has no extraction settings.`,
    );
  }
  return institution;
}

/** What PATCH /v1/connections/{id} may change; absent fields stay as they are. */
export interface ConnectionSettingsPatch {
  history_days?: number | undefined;
  refresh_interval?: string | undefined;
  access_mode?: 'single' | 'recurrent' | undefined;
  /** The whole new list of products. */
  products?: Product[] | undefined;
  /** False pauses scheduled refreshes (nothing else changes); true resumes them. */
  scheduled_refresh?: boolean | undefined;
  /** Queue a refresh once the change is made. */
  refresh?: boolean | undefined;
}

/** The settings of a connection after the patch, as columns. */
function settingsAfter(connection: ConnectionRow, patch: ConnectionSettingsPatch) {
  const accessMode = patch.access_mode ?? connection.access_mode;
  const products = patch.products ? [...new Set(patch.products)] : connection.products;
  return {
    access_mode: accessMode,
    refresh_interval:
      accessMode === 'recurrent' ? (patch.refresh_interval ?? connection.refresh_interval ?? '24h') : null,
    products,
    history_days: patch.history_days ?? connection.history_days,
    scheduled_refresh: patch.scheduled_refresh ?? connection.scheduled_refresh,
  };
}

/**
 * When the next scheduled refresh falls once the settings are `settings`. Only a working connection
 * runs on its interval (from its last refresh); one waiting to retry after an outage, or for its end
 * user, keeps the date it has. The refresh in flight, if any, sets it again when it ends.
 */
function nextRefreshAt(
  connection: ConnectionRow,
  institution: InstitutionDefinition,
  settings: ReturnType<typeof settingsAfter>,
  now: Date,
): Date | null {
  if (settings.refresh_interval === null || institution.alwaysManualRefresh) return null;
  if (connection.status !== 'ok') return connection.next_refresh_at;
  const from = connection.last_refresh_at ?? now;
  return new Date(from.getTime() + REFRESH_INTERVALS_MS[settings.refresh_interval]!);
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((item, i) => item === b[i]);

/**
 * Changes how a connection is extracted: history_days, refresh_interval (recurrent only),
 * scheduled_refresh, access_mode and products (each offered by the institution). Validated whole before anything is
 * written, in one transaction with the connection's row locked. Answers the id of the refresh queued
 * (`refresh: true`, or a running one restarted), or null.
 *
 * - To single: no more scheduled refreshes; with nothing left to extract (no refresh in flight or
 *   asked for) the credentials are dropped at once, as after a one-shot extraction.
 * - To recurrent: needs the credentials still held (CONNECTION_CONSENT_ENDED otherwise).
 * - Products added start not created (the next refresh extracts them); removed ones leave the list
 *   and product_status, but their records stay stored and readable until the connection is
 *   deleted (re-adding the product refreshes them in place, with the same ids).
 * - A refresh that is running read the old settings when it started: it is superseded by a fresh
 *   one (same trigger, same presence). A queued one, or one waiting for the end user, reads the new
 *   settings when it runs again.
 * - scheduled_refresh false pauses the schedule and nothing else (credentials, status, data and a
 *   refresh in flight stay); true resumes it.
 *
 * No event is recorded: events say what happened to the data or the status, and neither changes here.
 */
export async function updateConnectionSettings(
  deps: ServiceDeps,
  clientId: string,
  id: string,
  patch: ConnectionSettingsPatch,
): Promise<string | null> {
  return deps.db.transaction().execute(async (trx) => {
    const connection = await findConnectionForUpdate(trx, clientId, id);
    if (!connection) throw new AppError('NOT_FOUND', `No connection ${id}.`);
    const institution = extractingInstitution(deps, connection);
    const settings = settingsAfter(connection, patch);
    assertValid([
      ...productProblems(institution, patch.products ?? []),
      ...intervalProblems(settings.access_mode, patch.refresh_interval),
    ]);
    const becomesRecurrent = settings.access_mode === 'recurrent' && connection.access_mode !== 'recurrent';
    if (becomesRecurrent && !connection.credentials_sealed) {
      throw new AppError(
        'CONNECTION_CONSENT_ENDED',
        'This one-shot connection keeps no credentials, so it cannot become recurrent; create a new connection.',
      );
    }
    if (patch.refresh) assertRefreshable(connection);
    // What a running refresh read when it started; pausing the schedule is not among it.
    const extractionChanged =
      settings.access_mode !== connection.access_mode ||
      settings.refresh_interval !== connection.refresh_interval ||
      settings.history_days !== connection.history_days ||
      !sameList(settings.products, connection.products);
    const changed = extractionChanged || settings.scheduled_refresh !== connection.scheduled_refresh;
    const active = await findActiveRefresh(trx, id);
    if (changed) {
      const now = deps.now();
      const values: Updateable<ConnectionsTable> = {
        ...settings,
        product_status: JSON.stringify(productStatusOf(settings.products, connection.product_status)),
        next_refresh_at: nextRefreshAt(connection, institution, settings, now),
        updated_at: now,
      };
      const extractionEnded = active === undefined && !patch.refresh;
      if (settings.access_mode === 'single' && extractionEnded) {
        values.credentials_sealed = null;
        values.session_sealed = null;
      }
      await updateConnection(trx, id, values);
      if (active?.status === 'running' && extractionChanged) {
        await abandonActiveRefreshes(trx, id, 'superseded', 'The connection settings changed.', now);
        const present = active.user_present ? { userPresent: active.user_present } : {};
        return queueRefresh(deps, trx, connection, active.trigger, present);
      }
    }
    return patch.refresh ? queueRefresh(deps, trx, connection, 'manual') : null;
  });
}

/**
 * The end user must log in again (SCA) before Tesoro refreshes the connection by itself: its
 * scheduled refreshes pause (the scheduler skips needs_user), its data stays readable and its status
 * stays what it is (not `disabled`, which would refuse new credentials). New credentials (PUT
 * …/credentials, or the Connect page in update mode) or a completed challenge end it; so does any
 * refresh that logs in successfully, an explicit POST …/refresh included.
 *
 * A queued or running refresh would log in without the end user and clear the flag: it is
 * abandoned. One waiting on a challenge is kept: answering it is the end user logging in again.
 */
export async function requestReauthentication(
  deps: ServiceDeps,
  clientId: string,
  id: string,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const connection = await findConnectionForUpdate(trx, clientId, id);
    if (!connection) throw new AppError('NOT_FOUND', `No connection ${id}.`);
    if (connection.status === 'disabled')
      throw new AppError('CONNECTION_DISABLED', 'Enable the connection before asking for a new login.');
    const now = deps.now();
    const active = await findActiveRefresh(trx, id);
    if (active && active.status !== 'waiting_user')
      await abandonActiveRefreshes(
        trx,
        id,
        'reauthentication_requested',
        'The end user must log in again.',
        now,
      );
    await updateConnection(trx, id, { needs_user: true, updated_at: now });
  });
}

export async function answerChallenge(
  deps: ServiceDeps,
  clientId: string,
  id: string,
  answers: Record<string, string>,
  present: Presence = {},
): Promise<{ challengeId: string }> {
  const connection = await getConnectionOrThrow(deps.db, clientId, id);
  const challenge = await findOpenChallenge(deps.db, connection.id);
  if (challenge?.status !== 'open')
    throw new AppError(
      'CHALLENGE_NOT_OPEN',
      'This connection has no verification step waiting for an answer.',
    );
  if (challenge.expires_at.getTime() <= deps.now().getTime())
    throw new AppError(
      'CHALLENGE_NOT_OPEN',
      'The verification step has expired; refresh the connection to start again.',
    );
  assertValid(validateAgainstFields(challenge.fields as LoginField[], answers, 'answers'));
  await deps.db.transaction().execute(async (trx) => {
    // The state change is the guard: of concurrent answers only one finds the challenge still
    // open (the others wait on its row, then see it answered), so the bank sees one login.
    if (!(await claimOpenChallenge(trx, challenge.id)))
      throw new AppError('CHALLENGE_NOT_OPEN', 'This verification step was already answered.');
    await updateRefresh(trx, challenge.refresh_id, {
      answers_sealed: seal(deps.keyring, JSON.stringify(answers), sealContext.answers(challenge.refresh_id)),
      ...(present.userPresent ? { user_present: JSON.stringify(present.userPresent) } : {}),
    });
    // Someone is answering: the rest of the refresh is interactive.
    await deps.jobs.send(
      REFRESH_CONNECTION,
      { refreshId: challenge.refresh_id },
      { trx, priority: refreshPriority.interactive },
    );
  });
  return { challengeId: challenge.id };
}

export async function disableConnection(deps: ServiceDeps, clientId: string, id: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const connection = await findConnection(trx, clientId, id);
    if (!connection) throw new AppError('NOT_FOUND', `No connection ${id}.`);
    if (connection.status === 'disabled') return;
    await setStatus(trx, connection, 'disabled', statusDetails.disabled, { next_refresh_at: null });
    await abandonActiveRefreshes(trx, id, 'disabled', 'The connection was disabled.', deps.now());
  });
}

export async function enableConnection(
  deps: ServiceDeps,
  clientId: string,
  id: string,
): Promise<string | null> {
  return deps.db.transaction().execute(async (trx) => {
    const connection = await findConnection(trx, clientId, id);
    if (!connection) throw new AppError('NOT_FOUND', `No connection ${id}.`);
    if (connection.status !== 'disabled') return null;
    await setStatus(trx, connection, 'pending', statusDetails.pending);
    if (!connection.credentials_sealed) return null;
    return queueRefresh(deps, trx, connection, 'enable');
  });
}

/**
 * Deletes the connection and, by cascade in the same statement, every row derived from it; the
 * connection.deleted event is written in the same transaction.
 */
export async function deleteConnection(db: Kysely<Schema>, clientId: string, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const deleted = await deleteConnectionRow(trx, clientId, id);
    if (!deleted) throw new AppError('NOT_FOUND', `No connection ${id}.`);
    await recordDeletion(trx, clientId, deleted);
  });
}

/** The connection.deleted event of a connection just deleted (in the deleting transaction). */
export async function recordDeletion(
  db: Kysely<Schema>,
  clientId: string,
  deleted: { id: string; external_id: string | null; institution_id: string },
): Promise<void> {
  await recordEvent(db, {
    clientId,
    type: 'connection.deleted',
    data: {
      connection_id: deleted.id,
      external_id: deleted.external_id,
      institution_id: deleted.institution_id,
    },
  });
}
