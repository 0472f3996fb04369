// GET /v1/connections/{id}/all: every product of a connection grouped as seed 003's "ALL DATA"
// does — accounts, cards and liabilities with their transactions and holders, portfolios with
// their holders, investments grouped by type (funds, stocks, ETFs, fixed income, pension plans, …)
// each with its transactions — plus `product_status`, so an empty list is never ambiguous (the
// caveat the seed spells out: "accounts = [] could mean" three things).
import type { Kysely } from 'kysely';
import type { Product } from '../domain/products.ts';
import { allRecordsOf } from '../store/product-queries.ts';
import type { Schema } from '../store/schema.ts';
import { getConnectionOrThrow } from './connections.ts';

/** Seed 003's investment types → the native group names (snake_case of Flanks' keys). */
export const investmentGroups: Record<string, string> = {
  F: 'funds',
  VI: 'stocks',
  ETF: 'etfs',
  FI: 'fixed_income',
  PP: 'pension_plans',
  L: 'liquidity',
  C: 'crypto_currencies',
  CFD: 'contract_for_differences',
  DV: 'derivatives',
  BP: 'bank_products',
  AEP: 'alternative_emerging_products',
  DEP: 'deposits',
  O: 'others',
};

type Item = Record<string, unknown> & { id: string };

export async function allData(db: Kysely<Schema>, clientId: string, connectionId: string) {
  const connection = await getConnectionOrThrow(db, clientId, connectionId);
  const load = async (product: Product) =>
    (await allRecordsOf(db, product, connection)).map((row) => ({
      item: JSON.parse(row.json) as Item,
      parentId: row.parent_id,
      type: row.type,
    }));
  const childrenOf = async (product: Product, key: string) => {
    const byParent = new Map<string, Item[]>();
    for (const { item, parentId } of await load(product)) {
      if (!parentId) continue;
      byParent.set(parentId, [...(byParent.get(parentId) ?? []), item]);
    }
    return (parent: Item) => ({ [key]: byParent.get(parent.id) ?? [] });
  };
  const holders = await load('holders');
  const holdersOf = (parent: Item) => ({
    holders: holders.filter(({ item }) => item.product_id === parent.id).map(({ item }) => item),
  });

  const transactionsOfAccount = await childrenOf('transactions', 'transactions');
  const transactionsOfCard = await childrenOf('card_transactions', 'transactions');
  const transactionsOfLiability = await childrenOf('liability_transactions', 'transactions');
  const transactionsOfInvestment = await childrenOf('investment_transactions', 'transactions');

  const result: Record<string, unknown> = {
    connection_id: connection.id,
    external_id: connection.external_id,
    product_status: connection.product_status,
    accounts: (await load('accounts')).map(({ item }) => ({
      ...item,
      ...holdersOf(item),
      ...transactionsOfAccount(item),
    })),
    cards: (await load('cards')).map(({ item }) => ({
      ...item,
      ...holdersOf(item),
      ...transactionsOfCard(item),
    })),
    portfolios: (await load('portfolios')).map(({ item }) => ({ ...item, ...holdersOf(item) })),
    liabilities: (await load('liabilities')).map(({ item }) => ({
      ...item,
      ...holdersOf(item),
      ...transactionsOfLiability(item),
    })),
  };
  for (const group of Object.values(investmentGroups)) result[group] = [];
  for (const { item, type } of await load('investments')) {
    const group = investmentGroups[type ?? 'O'] ?? 'others';
    (result[group] as unknown[]).push({ ...item, ...transactionsOfInvestment(item) });
  }
  result.identity = (await load('identity')).map(({ item }) => item);
  result.mifid_answers = (await load('mifid')).map(({ item }) => item);
  return result;
}
