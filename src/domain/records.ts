// What connectors yield and the engine stores: one normalised record of one product.
import type { Product } from './products.ts';

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

/** Which product a product's records hang from (its parent), for ids and foreign keys. */
export const parentProduct: Partial<Record<Product, Product>> = {
  transactions: 'accounts',
  card_transactions: 'cards',
  investments: 'portfolios',
  investment_transactions: 'investments',
  liability_transactions: 'liabilities',
};
