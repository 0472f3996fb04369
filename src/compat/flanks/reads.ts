// How the Flanks facade reads: the connection a `credentials_token` names (another client's is
// "Invalid credentials_token", as an unknown one), and what Flanks' records need beside them (the
// entity, Flanks' external_id from the source keys, the accounts' IBANs). The records themselves
// are read page by page through shared/records.ts.
import { createHash } from 'node:crypto';
import { AppError } from '../../domain/errors.ts';
import type { Product } from '../../domain/products.ts';
import { getConnectionOrThrow } from '../../services/connections.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { sourceKeys } from '../../services/record-keys.ts';
import type { ConnectionRow } from '../../store/connections.ts';
import { flanksAnswers } from './errors.ts';
import type { FlanksRecordContext, NativeRecord } from './map.ts';
import { entityOf } from './sandbox-map.ts';

export async function connectionOf(
  engine: ServiceDeps,
  clientId: string,
  token: unknown,
): Promise<ConnectionRow> {
  if (typeof token !== 'string' || token === '') throw flanksAnswers.invalid('credentials_token');
  try {
    return await getConnectionOrThrow(engine.db, clientId, token);
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') throw flanksAnswers.invalidToken();
    throw error;
  }
}

/**
 * Flanks' `external_id`: an id "based on the external_id associated on the user" instead of the
 * credentials token, so it stays the same when the end user re-creates the credentials. Null
 * when the connection has no external_id.
 */
export function flanksExternalId(userExternalId: string, product: Product, sourceKey: string): string {
  return createHash('sha256')
    .update(`${userExternalId}\u0000${product}\u0000${sourceKey}`)
    .digest('base64url')
    .slice(0, 24);
}

/** What the mappers need beside a page of records. */
export async function recordContext(
  engine: ServiceDeps,
  connection: ConnectionRow,
  product: Product,
  records: readonly NativeRecord[],
  accountIbans?: ReadonlyMap<string, string | null>,
): Promise<FlanksRecordContext> {
  const userExternalId = connection.external_id;
  const keys =
    userExternalId === null
      ? new Map<string, string>()
      : await sourceKeys(
          engine.db,
          product,
          connection.client_id,
          records.map((record) => String(record.id)),
        );
  return {
    entity: entityOf(connection.institution_id),
    credentialsToken: connection.id,
    externalId: (record) => {
      const key = keys.get(String(record.id));
      return userExternalId === null || key === undefined
        ? null
        : flanksExternalId(userExternalId, product, key);
    },
    ...(accountIbans ? { accountIbans } : {}),
  };
}
