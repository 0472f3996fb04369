// Clients are the developer applications (tenants) that call the API. Every row of data belongs
// to exactly one client; a client authenticates with its id and secret to get access tokens.
import type { Kysely } from 'kysely';
import { type Id, newId } from '../domain/ids.ts';
import { allScopes, type Scope } from '../domain/scopes.ts';
import {
  DUMMY_SECRET_HASH,
  generateClientSecret,
  hashSecret,
  needsRehash,
  verifySecret,
} from '../security/secrets.ts';
import {
  deleteClientRow,
  findClientRow,
  insertClient,
  listClientRows,
  setSecretHash,
} from '../store/clients.ts';
import type { Schema } from '../store/schema.ts';

export interface Client {
  id: Id<'client'>;
  name: string;
  scopes: Scope[];
  created_at: string;
  secret_rotated_at: string | null;
}

export interface ClientWithSecret {
  client: Client;
  /** Shown once; only its hash is stored. */
  clientSecret: string;
}

function toClient(row: {
  id: string;
  name: string;
  scopes: string[];
  created_at: Date;
  secret_rotated_at: Date | null;
}): Client {
  return {
    id: row.id as Id<'client'>,
    name: row.name,
    scopes: row.scopes as Scope[],
    created_at: row.created_at.toISOString(),
    secret_rotated_at: row.secret_rotated_at?.toISOString() ?? null,
  };
}

export async function createClient(
  db: Kysely<Schema>,
  input: { name: string; scopes?: readonly Scope[] },
): Promise<ClientWithSecret> {
  const clientSecret = generateClientSecret();
  const row = await insertClient(db, {
    id: newId('client'),
    name: input.name,
    secret_hash: hashSecret(clientSecret),
    scopes: [...(input.scopes ?? allScopes)],
  });
  return { client: toClient(row), clientSecret };
}

export async function listClients(db: Kysely<Schema>): Promise<Client[]> {
  return (await listClientRows(db)).map(toClient);
}

export async function findClient(db: Kysely<Schema>, id: string): Promise<Client | undefined> {
  const row = await findClientRow(db, id);
  return row ? toClient(row) : undefined;
}

/** The client if the secret matches; undefined otherwise (same cost whether or not the id exists). */
export async function authenticateClient(
  db: Kysely<Schema>,
  id: string,
  secret: string,
): Promise<Client | undefined> {
  const row = await findClientRow(db, id);
  const valid = await verifySecret(secret, row?.secret_hash ?? DUMMY_SECRET_HASH);
  if (!row || !valid) return undefined;
  // A hash of an earlier form (scrypt, slow on purpose) is replaced while the secret is at hand.
  if (needsRehash(row.secret_hash))
    await setSecretHash(db, id, hashSecret(secret), { replacing: row.secret_hash });
  return toClient(row);
}

/** Replaces the secret; the old one stops working at once. Undefined when the client does not exist. */
export async function rotateClientSecret(
  db: Kysely<Schema>,
  id: string,
): Promise<ClientWithSecret | undefined> {
  const clientSecret = generateClientSecret();
  const row = await setSecretHash(db, id, hashSecret(clientSecret), { rotated: new Date() });
  return row ? { client: toClient(row), clientSecret } : undefined;
}

/** Deletes the client and, through foreign keys, everything it owns. */
export async function deleteClient(db: Kysely<Schema>, id: string): Promise<boolean> {
  return deleteClientRow(db, id);
}
