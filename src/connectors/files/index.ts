// The statement-file connector: the institution a statement import belongs to. There is nothing
// to log into; its records come from a file the import pipeline has parsed (src/formats/), turned
// into accounts, transactions and, for investment statements, portfolios, holdings and trades by
// transform.ts, and stored by the same pipeline as any connector's (services/refresh/).
import type { Product } from '../../domain/products.ts';
import type { NormalizedRecord } from '../../domain/records.ts';
import {
  type Connector,
  ConnectorError,
  type InstitutionDefinition,
  type ProductSource,
} from '../connector.ts';
import { recordsOf } from './transform.ts';

export const STATEMENT_INSTITUTION = 'ins_statement_file';

const statementFile: InstitutionDefinition = {
  id: STATEMENT_INSTITUTION,
  name: 'Statement file',
  country: 'XX',
  kind: 'file',
  products: ['accounts', 'transactions', 'portfolios', 'investments', 'investment_transactions'],
  fields: [],
  mfa: [],
  alwaysManualRefresh: true,
  description: {
    en: 'Bank and broker statements imported as files (POST /v1/imports): OFX, camt, MT940, Norma 43, QIF, CSV.',
    es: 'Extractos bancarios y de valores importados como ficheros (POST /v1/imports): OFX, camt, MT940, Norma 43, QIF, CSV.',
  },
  cif: null,
  url: null,
  primaryColor: '#475569',
};

export const filesConnector: Connector = {
  id: 'files',
  institutions: [statementFile],
  async login() {
    throw new ConnectorError('consent_expired', 'A statement import is refreshed by importing another file.');
  },
  // biome-ignore lint/correctness/useYield: a file connection has nothing to fetch
  async *extract() {
    throw new ConnectorError(
      'product_unavailable',
      'A statement import is refreshed by importing another file.',
    );
  },
  fromFile(file, options): ProductSource {
    const records = recordsOf(file, options.intoAccount);
    const byProduct: Partial<Record<Product, NormalizedRecord[]>> = {
      accounts: records.accounts,
      transactions: records.transactions,
    };
    if (records.portfolios.length > 0) {
      byProduct.portfolios = records.portfolios;
      byProduct.investments = records.investments;
      byProduct.investment_transactions = records.investmentTransactions;
    }
    return {
      products: Object.keys(byProduct) as Product[],
      async *records(product) {
        const list = byProduct[product] ?? [];
        if (list.length > 0) yield list;
      },
    };
  },
};

/** Its registration: no settings. */
export const filesModule = { id: filesConnector.id, create: () => filesConnector };
