// Loading a source's records into the store, product by product: every source (a connector's
// extraction, an imported statement file) goes through here, so ids, dedupe, categories, the change
// feed, pending movements and each product's state are kept one way.
import type { Kysely } from 'kysely';
import { ConnectorError, type ProductSource } from '../../connectors/connector.ts';
import { withCategories } from '../../domain/categories/enrich.ts';
import { movementProducts, type Product } from '../../domain/products.ts';
import type { ConnectorErrorCode } from '../../domain/vocabulary.ts';
import type { Logger } from '../../logger.ts';
import { updateProductState } from '../../store/connections.ts';
import {
  countLiveRecords,
  type IngestOptions,
  publishChanges,
  removeVanishedPending,
  upsertRecords,
} from '../../store/records.ts';
import type { Schema } from '../../store/schema.ts';

/** Errors met while extracting that are the connection's, not one product's: they fail the refresh. */
export const connectionWideErrors: ReadonlySet<ConnectorErrorCode> = new Set<ConnectorErrorCode>([
  'rate_limited',
  'institution_down',
  'consent_expired',
  'credentials_invalid',
  'password_expired',
  'locked',
  'action_needed',
]);

export interface LoadTarget {
  db: Kysely<Schema>;
  ingest: IngestOptions;
  logger: Logger;
  connection: { id: string; client_id: string };
  /** What log lines name the run by: `{ refresh: id }` or `{ import: id }`. */
  run: Record<string, string>;
}

/**
 * Stores every product of the source and records each product's state: created with its count, or
 * errored with the connector's code (a product the institution does not offer). `complete`: the
 * source lists everything the connection has (an extraction), so pending movements it no longer
 * lists are removed, and a product the connection no longer lists (a PATCH removed it while the
 * extraction ran) gets no state: it stays out of product_status. A statement file only adds (its
 * products join the connection's list once it is loaded). Returns the distinct records each
 * product was stored as.
 */
export async function loadProducts(
  target: LoadTarget,
  source: ProductSource,
  options: { complete: boolean },
): Promise<Partial<Record<Product, number>>> {
  const { db, connection } = target;
  // Distinct records each product is stored as: what an import reports beside what it read.
  const stored: Partial<Record<Product, number>> = {};
  const context = { clientId: connection.client_id, connectionId: connection.id };
  const stateOptions = { listedOnly: options.complete };
  for (const product of source.products) {
    const seenPending: string[] = [];
    try {
      for await (const batch of source.records(product)) {
        const counts = await upsertRecords(db, target.ingest, context, product, batch, withCategories);
        stored[product] = (stored[product] ?? 0) + counts.stored;
        await publishChanges(db, connection.id);
        target.logger.debug({ ...target.run, product, records: batch.length }, 'stored a batch');
        for (const record of batch) if (record.data.pending === true) seenPending.push(record.naturalKey);
      }
      if (options.complete && movementProducts.has(product)) {
        await removeVanishedPending(db, context, product, seenPending);
        await publishChanges(db, connection.id);
      }
      await updateProductState(
        db,
        connection.id,
        product,
        {
          created: true,
          errored: false,
          error: null,
          count: await countLiveRecords(db, product, connection.id),
        },
        stateOptions,
      );
    } catch (error) {
      // A product the source cannot give is that product's failure; an error that says the whole
      // connection cannot be read now (a quota, an outage, an ended consent) ends the refresh.
      if (!(error instanceof ConnectorError) || connectionWideErrors.has(error.code)) throw error;
      await updateProductState(
        db,
        connection.id,
        product,
        {
          created: true,
          errored: true,
          error: error.code,
          count: 0,
        },
        stateOptions,
      );
    }
  }
  return stored;
}
