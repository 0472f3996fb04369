// Powens' transactions carry an integer `id_category`; Powens' own category list is not public,
// so these integers are Tesoro's own numbering of its taxonomy (src/domain/categories/), fixed
// here once and for all: a category's id is 100 × its position, a subcategory's the next
// integers (`housing` 200, `housing/rent` 201). New taxonomy entries get new integers; an integer
// is never given to another category. GET /categories serves the list.
import { type Category, taxonomy } from '../../domain/categories/taxonomy.ts';

/** [category, subcategory (null: the category itself), integer id]. */
const table: ReadonlyArray<readonly [string, string | null, number]> = [
  ['income', null, 100],
  ['income', 'salary', 101],
  ['income', 'pension', 102],
  ['income', 'refund', 103],
  ['income', 'interest', 104],
  ['income', 'transfer_in', 105],
  ['housing', null, 200],
  ['housing', 'rent', 201],
  ['housing', 'mortgage', 202],
  ['housing', 'community', 203],
  ['housing', 'maintenance', 204],
  ['utilities', null, 300],
  ['utilities', 'electricity', 301],
  ['utilities', 'gas', 302],
  ['utilities', 'water', 303],
  ['utilities', 'telecom', 304],
  ['groceries', null, 400],
  ['groceries', 'supermarket', 401],
  ['groceries', 'market', 402],
  ['eating_out', null, 500],
  ['eating_out', 'restaurant', 501],
  ['eating_out', 'coffee', 502],
  ['eating_out', 'delivery', 503],
  ['transport', null, 600],
  ['transport', 'fuel', 601],
  ['transport', 'public', 602],
  ['transport', 'taxi', 603],
  ['transport', 'parking', 604],
  ['shopping', null, 700],
  ['shopping', 'clothing', 701],
  ['shopping', 'electronics', 702],
  ['shopping', 'online', 703],
  ['shopping', 'department', 704],
  ['shopping', 'home', 705],
  ['health', null, 800],
  ['health', 'pharmacy', 801],
  ['health', 'medical', 802],
  ['health', 'optics', 803],
  ['leisure', null, 900],
  ['leisure', 'subscriptions', 901],
  ['leisure', 'events', 902],
  ['leisure', 'sports', 903],
  ['leisure', 'books', 904],
  ['travel', null, 1000],
  ['travel', 'flights', 1001],
  ['travel', 'lodging', 1002],
  ['travel', 'trains', 1003],
  ['travel', 'car_rental', 1004],
  ['financial', null, 1100],
  ['financial', 'fees', 1101],
  ['financial', 'loan', 1102],
  ['financial', 'investment', 1103],
  ['financial', 'insurance', 1104],
  ['financial', 'card_payment', 1105],
  ['cash', null, 1200],
  ['cash', 'atm', 1201],
  ['cash', 'deposit', 1202],
  ['transfers', null, 1300],
  ['transfers', 'transfer_out', 1301],
  ['transfers', 'p2p', 1302],
  ['transfers', 'own_accounts', 1303],
  ['taxes', null, 1400],
  ['taxes', 'tax', 1401],
  ['taxes', 'social_security', 1402],
  ['taxes', 'fines', 1403],
  ['education', null, 1500],
  ['education', 'school', 1501],
  ['education', 'courses', 1502],
  ['other', null, 1600],
  ['other', 'uncategorized', 1601],
];

const bySlug = new Map(table.map(([category, sub, id]) => [`${category}/${sub ?? ''}`, id]));

/** The integer of a transaction's category: its subcategory's, else its category's, else null. */
export function categoryIdOf(category: unknown, subcategory: unknown): number | null {
  if (typeof category !== 'string') return null;
  if (typeof subcategory === 'string') {
    const id = bySlug.get(`${category}/${subcategory}`);
    if (id !== undefined) return id;
  }
  return bySlug.get(`${category}/`) ?? null;
}

export interface PowensCategory {
  id: number;
  id_parent_category: number | null;
  name: string;
  /** Tesoro's slug (`housing`, `housing/rent`). */
  tesoro_slug: string;
}

/** The whole list, in the taxonomy's English names. */
export function categoryList(): PowensCategory[] {
  return table.map(([category, sub, id]) => {
    const entry = taxonomy[category as Category];
    const names = sub === null ? undefined : (entry.sub as Record<string, readonly [string, string]>)[sub];
    return {
      id,
      id_parent_category: sub === null ? null : bySlug.get(`${category}/`)!,
      name: names ? names[0] : entry.en,
      tesoro_slug: sub === null ? category : `${category}/${sub}`,
    };
  });
}

/** Every taxonomy entry, as `category/sub` or `category/` (for the test that none is missing). */
export const numberedSlugs = (): string[] => [...bySlug.keys()];
