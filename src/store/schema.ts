// Table types for Kysely. One interface per table; kept in step with migrations/ by the tests
// that run every query against both engines.
import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface ClientsTable {
  id: string;
  name: string;
  /** Keyed hash (HMAC-SHA-256), see security/secrets.ts; the secret itself is never stored. */
  secret_hash: string;
  scopes: string[];
  created_at: CreatedAt;
  secret_rotated_at: Timestamp | null;
  /** Where Connect may send end users back to; their origins may frame the Connect page. */
  redirect_uris: ColumnType<string[], string[] | undefined, string[]>;
}

export interface CryptoKeysTable {
  kid: string;
  /** 'sig' signs access tokens; 'enc' decrypts JWE request bodies. */
  use: 'sig' | 'enc';
  alg: string;
  public_jwk: Json<Record<string, unknown>>;
  /** The private JWK, sealed with the master key (security/envelope.ts). */
  private_jwk_sealed: string;
  created_at: CreatedAt;
  /** Set when a newer key replaced this one; it still verifies / decrypts until expires_at. */
  retired_at: Timestamp | null;
  expires_at: Timestamp | null;
}

export interface IdempotencyKeysTable {
  client_id: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  response_status: number | null;
  response_body: Json<unknown> | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface SettingsTable {
  key: string;
  value: Json<unknown>;
  updated_at: Generated<Date>;
}

export interface ProductState {
  created: boolean;
  errored: boolean;
  error?: string | null;
  /** Records of the product held for the connection after the last extraction. */
  count?: number;
}

export interface ConnectionsTable {
  id: string;
  client_id: string;
  institution_id: string;
  connector: string;
  access_mode: 'single' | 'recurrent';
  refresh_interval: string | null;
  products: string[];
  history_days: number;
  external_id: string | null;
  status: string;
  status_detail: string;
  product_status: Json<Record<string, ProductState>>;
  /** Credentials sealed with the master key (security/envelope.ts); null once dropped. */
  credentials_sealed: string | null;
  session_sealed: string | null;
  refresh_count: Generated<number>;
  last_refresh_at: Timestamp | null;
  next_refresh_at: Timestamp | null;
  last_transaction_date: ColumnType<string | null, string | null, string | null>;
  needs_user: Generated<boolean>;
  /** False: the scheduler skips this connection (paused); nothing else changes. */
  scheduled_refresh: Generated<boolean>;
  /** When the consent the connector holds ends (PSD2), as it said at the last login. */
  consent_expires_at: Date | null;
  /** When connection.consent_expiring was sent for that consent. */
  consent_warned_at: Date | null;
  /**
   * HMAC-SHA-256 of the institution and the username-like login fields (never the username itself),
   * for unique_credentials; null for connections made before migration 0012 or without a login.
   */
  credentials_fingerprint: ColumnType<string | null, string | null | undefined, string | null>;
  /** Changes of this connection up to this `record_changes` value are committed: the feed reads up to it. */
  sync_seq: Generated<number>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ConnectionStatusEventsTable {
  id: Generated<number>;
  connection_id: string;
  from_status: string | null;
  to_status: string;
  detail: string;
  at: CreatedAt;
}

export interface RefreshesTable {
  id: string;
  client_id: string;
  connection_id: string;
  trigger: string;
  status: 'queued' | 'running' | 'waiting_user' | 'succeeded' | 'failed';
  refresh_number: number;
  added: Generated<number>;
  modified: Generated<number>;
  removed: Generated<number>;
  error_code: string | null;
  error_detail: string | null;
  answers_sealed: string | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  /** When the connector's login succeeded and extraction began. */
  logged_in_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  finished_at: Timestamp | null;
  /** The `record_changes` value when the refresh first ran: its counts are the rows changed since. */
  start_seq: number | null;
  /** While the end user is present (Connect page, consent callback): their address and browser. */
  user_present: ColumnType<
    { ip: string; userAgent: string | null } | null,
    string | null | undefined,
    string | null
  >;
  /** The end user was present at some point of the refresh (kept when user_present is cleared). */
  attended: Generated<boolean>;
}

export interface ChallengesTable {
  id: string;
  client_id: string;
  connection_id: string;
  refresh_id: string;
  type: string;
  prompt: Json<Record<string, string>>;
  fields: Json<unknown[]>;
  redirect_url: string | null;
  status: 'open' | 'answered' | 'completed' | 'failed' | 'expired';
  attempts_left: number | null;
  expires_at: Timestamp;
  /** A redirect challenge: sha-256 of the `state` its institution sends back (migration 0009). */
  callback_state_hash: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface WebhookEndpointsTable {
  id: string;
  client_id: string;
  url: string;
  description: string | null;
  /** Event types sent to it; null = every type. In a non-native format, always a list of the format's types. */
  events: string[] | null;
  /** The payload format (webhooks/formats.ts): `tesoro`, or a facade's format such as `flinks`. */
  format: Generated<string>;
  enabled: Generated<boolean>;
  disabled_reason: string | null;
  /** The `whsec_…` signing secret, sealed with the master key. */
  secret_sealed: string;
  /** After a rotation the old secret signs too, until previous_secret_expires_at. */
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Timestamp | null;
  /** Start of the current run of failed attempts; null after a success. */
  failing_since: Timestamp | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface EventsTable {
  id: string;
  client_id: string;
  type: string;
  data: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

/** One attempt of a delivery, as GET /v1/webhook-endpoints/{id}/deliveries shows it. */
export interface DeliveryAttempt {
  at: string;
  status_code: number | null;
  latency_ms: number;
  /** The first 1 KB of the response body. */
  response_body: string | null;
  error: string | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  client_id: string;
  event_id: string;
  endpoint_id: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempt_count: Generated<number>;
  next_attempt_at: Timestamp | null;
  /** A dispatcher holds the delivery until then (a crash lets it go when it passes). */
  locked_until: Timestamp | null;
  attempts: ColumnType<DeliveryAttempt[], string | undefined, string>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ConnectSessionsTable {
  id: string;
  client_id: string;
  /** sha256 of the session token the Connect page authenticates with. */
  token_hash: string;
  redirect_uri: string;
  state: string | null;
  institution_ids: string[] | null;
  products: string[] | null;
  country: string | null;
  language: 'en' | 'es';
  external_id: string | null;
  access_mode: 'single' | 'recurrent';
  refresh_interval: string | null;
  extra: Json<Record<string, unknown>> | null;
  /** Update mode: the existing connection the end user re-authenticates. */
  update_connection_id: string | null;
  /** Refuse credentials the client already connected at the same institution (CONNECTION_DUPLICATE). */
  unique_credentials: Generated<boolean>;
  /** The connection made (or updated) in this session. */
  connection_id: string | null;
  status: 'open' | 'completed' | 'cancelled';
  expires_at: Timestamp;
  created_at: CreatedAt;
}

/** Short-lived state of the vendor facades (migration 0011). */
/** Integers shown for native ids by facades that want integers (migration 0018). */
export interface CompatIdsTable {
  id: Generated<number>;
  client_id: string;
  kind: string;
  native_id: string;
}

export interface CompatHandlesTable {
  /** sha256 of the handle's text. */
  handle_hash: string;
  client_id: string;
  kind: string;
  connection_id: string | null;
  /** The handle's text sealed, when the facade shows it again; null otherwise. */
  handle_sealed: string | null;
  data: Json<Record<string, unknown>>;
  expires_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface ConnectCodesTable {
  code_hash: string;
  /** The code itself, sealed, so GET /v1/connect/codes can list unused ones. */
  code_sealed: string;
  client_id: string;
  session_id: string;
  connection_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface DocumentsTable {
  id: string;
  client_id: string;
  /** Null while a queued import has not yet created its connection. */
  connection_id: string | null;
  filename: string | null;
  content_type: string;
  size: number;
  sha256: string;
  created_at: CreatedAt;
}

/** A document's bytes, in parts of 1 MiB (migration 0008). */
export interface DocumentPartsTable {
  document_id: string;
  part: number;
  content: Uint8Array;
}

export interface ImportsTable {
  id: string;
  client_id: string;
  connection_id: string | null;
  document_id: string | null;
  status: 'processing' | 'completed' | 'failed';
  format: string | null;
  summary: Json<Record<string, unknown>>;
  issues: Json<unknown[]>;
  /** A queued import's options (format, mapping, target), to send it again after a crash. */
  options: Json<Record<string, unknown>> | null;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
}

/** Every product table (accounts, transactions, …) has these columns (store/record-rows.ts). */
export interface RecordTable {
  id: string;
  client_id: string;
  connection_id: string;
  natural_key: string;
  parent_id: string | null;
  /** The served JSON after `external_id`, without the closing brace, rendered when written. */
  api_tail: string;
  /** The source record as JSON text. */
  raw: string | null;
  hash: string;
  first_seen_at: CreatedAt;
  updated_at: Timestamp;
  removed_at: Timestamp | null;
  /** Value of the `record_changes` sequence when the row was last inserted, rewritten or removed. */
  change_seq: number;
  /** Value of the sequence when the row was inserted. */
  created_seq: number;
}

/** Products that are not movements keep their served document (few rows per connection). */
export interface DocumentTable extends RecordTable {
  data: Json<Record<string, unknown>>;
}

/**
 * Dated money movements (transactions, card, investment and liability transactions) store each
 * scalar field as a typed column (migration 0010); these are the ones every movement table has.
 */
export interface MovementTable extends RecordTable {
  /** The sort date: the operation date, or the value date where the source gives none. */
  operation_date: ColumnType<string, string, string>;
  value_date: ColumnType<string | null, string | null, string | null>;
  pending: boolean;
  pending_transaction_id: string | null;
  /** The connector's fields that have no typed column (objects, arrays, fields off the catalog). */
  extra: Json<Record<string, unknown>> | null;
}

/** One account's balance on one day (migration 0019): the day's last snapshot. */
export interface BalanceHistoryTable {
  client_id: string;
  connection_id: string;
  account_id: string;
  day: ColumnType<string, string, string>;
  /** numeric, read as its decimal text. */
  balance: ColumnType<string, string, string>;
  available_balance: ColumnType<string | null, string | null, string | null>;
  currency: string | null;
  taken_at: Timestamp;
}

export interface Schema {
  clients: ClientsTable;
  crypto_keys: CryptoKeysTable;
  idempotency_keys: IdempotencyKeysTable;
  settings: SettingsTable;
  connections: ConnectionsTable;
  connection_status_events: ConnectionStatusEventsTable;
  refreshes: RefreshesTable;
  challenges: ChallengesTable;
  accounts: DocumentTable;
  transactions: MovementTable;
  cards: DocumentTable;
  card_transactions: MovementTable;
  portfolios: DocumentTable;
  investments: DocumentTable;
  investment_transactions: MovementTable;
  liabilities: DocumentTable;
  liability_transactions: MovementTable;
  identities: DocumentTable;
  holders: DocumentTable;
  mifid_answers: DocumentTable;
  webhook_endpoints: WebhookEndpointsTable;
  events: EventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  connect_sessions: ConnectSessionsTable;
  connect_codes: ConnectCodesTable;
  documents: DocumentsTable;
  document_parts: DocumentPartsTable;
  imports: ImportsTable;
  compat_handles: CompatHandlesTable;
  compat_ids: CompatIdsTable;
  balance_history: BalanceHistoryTable;
}

/** The database, or a transaction on it: every store function takes either. */
export type Db = Kysely<Schema> | Transaction<Schema>;
