// Sandbox tools, as Plaid's /sandbox endpoints: an integrator tests how their application handles a
// connection that needs its end user again, and each webhook, without waiting for a bank to do it.
// They change only connections of the sandbox institutions, and go through the same code as the
// real thing: a forced status is a refresh that fails (failWith: the status, refresh.failed and
// connection.status_changed, needs_user), a fired webhook is the event a refresh or the consent
// schedule would record, with the connection's real figures.
import type { ConnectionStatus } from '../domain/connection-status.ts';
import { statusDetails } from '../domain/connection-status.ts';
import { AppError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { findRefresh, insertQueuedRefresh, latestRefreshesOf } from '../store/connections.ts';
import { recordEvent } from '../store/events.ts';
import { getConnectionOrThrow } from './connections.ts';
import type { ServiceDeps } from './deps.ts';
import { announceLoad, failWith } from './refresh/finish.ts';
import { encodeSyncCursor } from './transactions-sync.ts';

/** The statuses a sandbox connection can be put in: the two that send the end user back to Connect. */
export const forcibleStatuses = ['credentials_invalid', 'consent_expired'] as const;
export type ForcibleStatus = (typeof forcibleStatuses)[number];

/** The webhooks a sandbox connection can be made to send. */
export const fireableEvents = [
  'connection.historical_update',
  'connection.updated',
  'connection.consent_expiring',
] as const;
export type FireableEvent = (typeof fireableEvents)[number];

const SANDBOX_CONNECTOR = 'sandbox';

async function sandboxConnectionOrThrow(deps: ServiceDeps, clientId: string, id: string) {
  const connection = await getConnectionOrThrow(deps.db, clientId, id);
  if (deps.registry.connectorFor(connection.institution_id)?.id !== SANDBOX_CONNECTOR)
    throw new AppError(
      'SANDBOX_ONLY',
      `Connection ${id} is at ${connection.institution_id}: the sandbox tools change only connections of the sandbox institutions.`,
    );
  if (connection.status === 'disabled')
    throw new AppError('CONNECTION_DISABLED', 'Enable the connection before changing it.');
  return connection;
}

/**
 * Puts a sandbox connection in `status` as a failed refresh would: the refresh is recorded (trigger
 * `sandbox`), the connection needs its end user, and the webhooks are those of a real failure.
 */
export async function forceConnectionStatus(
  deps: ServiceDeps,
  clientId: string,
  id: string,
  status: ForcibleStatus,
): Promise<void> {
  const connection = await sandboxConnectionOrThrow(deps, clientId, id);
  const refreshId = newId('refresh');
  const inserted = await insertQueuedRefresh(deps.db, {
    id: refreshId,
    client_id: connection.client_id,
    connection_id: connection.id,
    trigger: 'sandbox',
    refresh_number: connection.refresh_count,
  });
  if (!inserted)
    throw new AppError(
      'CONNECTION_BUSY',
      'A refresh of this connection is in flight; try again once it has ended.',
      {
        retryAfterSeconds: 1,
      },
    );
  const refresh = (await findRefresh(deps.db, refreshId))!;
  await failWith(deps, connection, refresh, status as ConnectionStatus, statusDetails[status]);
}

/** Records `type` for a sandbox connection, with its real figures; returns the event's id. */
export async function fireWebhook(
  deps: ServiceDeps,
  clientId: string,
  id: string,
  type: FireableEvent,
): Promise<string> {
  const connection = await sandboxConnectionOrThrow(deps, clientId, id);
  const [last] = await latestRefreshesOf(deps.db, clientId, connection.id, 1);
  return deps.db.transaction().execute(async (trx) => {
    const base = { connection_id: connection.id, external_id: connection.external_id };
    if (type === 'connection.consent_expiring') {
      const endsAt = connection.consent_expires_at ?? new Date(deps.now().getTime() + 7 * 86_400_000);
      return recordEvent(trx, {
        clientId,
        type,
        data: {
          ...base,
          consent_expires_at: endsAt.toISOString(),
          days_left: Math.max(0, Math.ceil((endsAt.getTime() - deps.now().getTime()) / 86_400_000)),
        },
      });
    }
    if (type === 'connection.historical_update') {
      // The first load's webhook, with the connection's products as they are now.
      const id = await announceLoad(trx, connection, {
        firstLoad: true,
        counts: { added: 0, modified: 0, removed: 0 },
        data: { refresh_id: last?.id ?? null },
      });
      return id!;
    }
    // The last refresh's connection.updated again: its counts, and the cursor of its changes.
    return recordEvent(trx, {
      clientId,
      type,
      data: {
        ...base,
        refresh_id: last?.id ?? null,
        added: last?.added ?? 0,
        modified: last?.modified ?? 0,
        removed: last?.removed ?? 0,
        sync_cursor: encodeSyncCursor({ s: last?.start_seq ?? 0, p: last?.start_seq ?? 0, h: null }),
      },
    });
  });
}
