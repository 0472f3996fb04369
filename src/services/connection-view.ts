// The connection as the API shows it: status, per-product progress, the open challenge and the
// refresh in flight, in the caller's language.
import type { Kysely } from 'kysely';
import type { Language, Localized, LoginField } from '../connectors/connector.ts';
import {
  activeRefreshesOf,
  type ConnectionRow,
  openChallengesOf,
  statusHistoriesOf,
} from '../store/connections.ts';
import type { ProductState, Schema } from '../store/schema.ts';

/** A refresh row as read from the database. */
export interface RefreshRecord {
  id: string;
  connection_id: string;
  trigger: string;
  status: string;
  error_code: string | null;
  error_detail: string | null;
  added: number;
  modified: number;
  removed: number;
  created_at: Date;
  started_at: Date | null;
  logged_in_at: Date | null;
  finished_at: Date | null;
}

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

export function presentRefresh(refresh: RefreshRecord) {
  return {
    id: refresh.id,
    connection_id: refresh.connection_id,
    trigger: refresh.trigger,
    status: refresh.status,
    added: refresh.added,
    modified: refresh.modified,
    removed: refresh.removed,
    error_code: refresh.error_code,
    error_detail: refresh.error_detail,
    created_at: refresh.created_at.toISOString(),
    started_at: iso(refresh.started_at),
    logged_in_at: iso(refresh.logged_in_at),
    finished_at: iso(refresh.finished_at),
    duration_ms:
      refresh.started_at && refresh.finished_at
        ? refresh.finished_at.getTime() - refresh.started_at.getTime()
        : null,
  };
}

/** The API view of a page of connections, with 3 queries whatever its size. */
export async function presentConnections(
  db: Kysely<Schema>,
  connections: ConnectionRow[],
  language: Language = 'en',
) {
  const ids = connections.map((c) => c.id);
  const [refreshes, challenges, histories] = await Promise.all([
    activeRefreshesOf(db, ids),
    openChallengesOf(db, ids),
    statusHistoriesOf(db, ids),
  ]);
  return connections.map((connection) =>
    present(
      connection,
      refreshes.find((r) => r.connection_id === connection.id),
      challenges.find((c) => c.connection_id === connection.id),
      histories.filter((h) => h.connection_id === connection.id),
      language,
    ),
  );
}

export async function presentConnection(
  db: Kysely<Schema>,
  connection: ConnectionRow,
  language: Language = 'en',
) {
  return (await presentConnections(db, [connection], language))[0]!;
}

function present(
  connection: ConnectionRow,
  refresh: Awaited<ReturnType<typeof activeRefreshesOf>>[number] | undefined,
  challenge: Awaited<ReturnType<typeof openChallengesOf>>[number] | undefined,
  history: Awaited<ReturnType<typeof statusHistoriesOf>>,
  language: Language,
) {
  const productStatus = Object.fromEntries(
    Object.entries(connection.product_status as Record<string, ProductState>).map(([product, state]) => [
      product,
      { created: state.created, errored: state.errored, error: state.error ?? null, count: state.count ?? 0 },
    ]),
  );
  return {
    id: connection.id,
    institution_id: connection.institution_id,
    access_mode: connection.access_mode,
    refresh_interval: connection.refresh_interval,
    products: connection.products,
    history_days: connection.history_days,
    external_id: connection.external_id,
    status: connection.status,
    status_detail: connection.status_detail,
    needs_user: connection.needs_user,
    scheduled_refresh: connection.scheduled_refresh,
    consent_expires_at: iso(connection.consent_expires_at),
    product_status: productStatus,
    challenge:
      challenge && challenge.status === 'open'
        ? {
            id: challenge.id,
            type: challenge.type,
            prompt: (challenge.prompt as Localized)[language],
            fields: (challenge.fields as LoginField[]).map((field) => ({
              name: field.name,
              label: field.label[language],
              type: field.type,
              required: field.required,
              validation: field.validation ?? null,
            })),
            redirect_url: challenge.redirect_url,
            attempts_left: challenge.attempts_left,
            expires_at: challenge.expires_at.toISOString(),
          }
        : null,
    refresh: refresh ? presentRefresh(refresh) : null,
    has_credentials: connection.credentials_sealed !== null,
    last_refresh_at: iso(connection.last_refresh_at),
    next_refresh_at: iso(connection.next_refresh_at),
    last_transaction_date: connection.last_transaction_date,
    status_history: history.map((event) => ({
      from: event.from_status,
      to: event.to_status,
      detail: event.detail,
      at: event.at.toISOString(),
    })),
    created_at: connection.created_at.toISOString(),
    updated_at: connection.updated_at.toISOString(),
  };
}
