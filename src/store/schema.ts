// Table types for Kysely. One interface per table; kept in step with migrations/ by the tests
// that run every query against both engines.
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface ClientsTable {
  id: string;
  name: string;
  /** scrypt hash, see security/secrets.ts; the secret itself is never stored. */
  secret_hash: string;
  scopes: string[];
  created_at: CreatedAt;
  secret_rotated_at: Timestamp | null;
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

export interface Schema {
  clients: ClientsTable;
  crypto_keys: CryptoKeysTable;
  idempotency_keys: IdempotencyKeysTable;
  settings: SettingsTable;
}
