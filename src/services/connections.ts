// Use cases of connections: create, read, update credentials, refresh, answer a challenge,
// disable, enable and delete. Every one is scoped to the calling client.
import type { Kysely, Transaction } from 'kysely';
import type { InstitutionDefinition, LoginField, UserPresent } from '../connectors/connector.ts';
import { statusDetails } from '../domain/connection-status.ts';
import { AppError, type FieldProblem, validationFailed } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Product } from '../domain/products.ts';
import { priorityOfRefresh, REFRESH_CONNECTION, refreshPriority } from '../jobs/definitions.ts';
import { seal } from '../security/envelope.ts';
import { claimOpenChallenge } from '../store/challenges.ts';
import {
  abandonActiveRefreshes,
  type ConnectionRow,
  deleteConnectionRow,
  findActiveRefresh,
  findConnection,
  findOpenChallenge,
  insertConnection,
  insertQueuedRefresh,
  recordInitialStatus,
  setStatus,
  updateConnection,
} from '../store/connections.ts';
import { recordEvent } from '../store/events.ts';
import { updateRefresh } from '../store/refreshes.ts';
import type { Schema } from '../store/schema.ts';
import { type ServiceDeps, sealContext } from './deps.ts';

export const DEFAULT_HISTORY_DAYS = 730;

export interface CreateConnectionInput {
  institution_id: string;
  credentials: Record<string, string>;
  access_mode: 'single' | 'recurrent';
  refresh_interval?: string;
  products?: Product[];
  history_days?: number;
  external_id?: string;
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
  const errors = validateAgainstFields(institution.fields, input.credentials, 'credentials');
  const products = input.products ?? [...institution.products];
  products.forEach((product, index) => {
    if (!institution.products.includes(product))
      errors.push({ path: ['products', index], detail: `is not offered by ${institution.name}` });
  });
  if (input.access_mode === 'single' && input.refresh_interval) {
    errors.push({ path: ['refresh_interval'], detail: 'only applies to recurrent connections' });
  }
  assertValid(errors);
  const id = newId('connection');
  await deps.db.transaction().execute(async (trx) => {
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
      product_status: JSON.stringify(
        Object.fromEntries(products.map((p) => [p, { created: false, errored: false }])),
      ),
      credentials_sealed: seal(deps.keyring, JSON.stringify(input.credentials), sealContext.credentials(id)),
      session_sealed: null,
    });
    await recordInitialStatus(trx, id, 'pending', statusDetails.pending);
    const connection = (await findConnection(trx, clientId, id))!;
    await queueRefresh(deps, trx, connection, 'initial', present);
  });
  return id;
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

export async function requestRefresh(
  deps: ServiceDeps,
  clientId: string,
  id: string,
  trigger = 'manual',
): Promise<string> {
  return deps.db.transaction().execute(async (trx) => {
    const connection = await findConnection(trx, clientId, id);
    if (!connection) throw new AppError('NOT_FOUND', `No connection ${id}.`);
    if (connection.status === 'disabled')
      throw new AppError('CONNECTION_DISABLED', 'Enable the connection before refreshing it.');
    if (!connection.credentials_sealed) {
      throw new AppError(
        'CONNECTION_CONSENT_ENDED',
        'This one-shot connection keeps no credentials; update them to extract again.',
      );
    }
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
    const extra = {
      credentials_sealed: seal(deps.keyring, JSON.stringify(credentials), sealContext.credentials(id)),
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
    await recordEvent(trx, {
      clientId,
      type: 'connection.deleted',
      data: { connection_id: deleted.id, external_id: deleted.external_id },
    });
  });
}
