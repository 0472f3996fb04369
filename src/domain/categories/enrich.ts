// Adds Tesoro's category, subcategory and merchant name to cash and card transactions before they
// are stored; the institution's own category stays in `bank_category`.
import type { Product } from '../products.ts';
import type { NormalizedRecord } from '../records.ts';
import { categorize } from './categorize.ts';

const CATEGORISED: ReadonlySet<Product> = new Set(['transactions', 'card_transactions']);

const str = (value: unknown) => (typeof value === 'string' ? value : null);

export function withCategories(
  product: Product,
  batch: readonly NormalizedRecord[],
): readonly NormalizedRecord[] {
  if (!CATEGORISED.has(product)) return batch;
  return batch.map((record) => {
    const data = record.data;
    const result = categorize({
      description: str(data.description) ?? str(data.shop) ?? '',
      counterparty: str(data.counterparty) ?? str(data.shop),
      mcc: str(data.mcc),
      norma43: str(data.norma43),
      amount: str(data.amount) ?? '0',
    });
    return {
      ...record,
      data: {
        ...data,
        category: result.category,
        subcategory: result.subcategory,
        merchant_name: result.merchant_name,
      },
    };
  });
}
