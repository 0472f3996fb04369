// What connectors yield and the engine stores: one normalised record of one product.
import type { Product } from './product-catalog.ts';

export interface NormalizedRecord {
  readonly product: Product;
  /** The source's own stable key for the record, unique within a connection and product. */
  readonly naturalKey: string;
  /** Natural key of the parent (a transaction's account, a card transaction's card, …). */
  readonly parentKey?: string;
  /** Normalised fields in snake_case, as the native API serves them; money as decimal strings. */
  readonly data: Record<string, unknown>;
  /** The record as the source gave it, kept beside the normalised one. */
  readonly raw: unknown;
  /**
   * Stored only when the connection does not hold the record yet: a source that knows less than an
   * earlier one (a statement with a security's trades but not its holding) never overwrites it.
   */
  readonly keepExisting?: boolean;
}

export { parentProduct } from './product-catalog.ts';
