// The statement-file connector: the institution a statement import belongs to. There is nothing
// to log into; its records come from a statement file (src/formats/), turned into accounts,
// transactions and, for investment statements, portfolios, holdings and trades by transform.ts,
// and stored by the same pipeline as any connector's (services/refresh/). An import scans the file
// first (scan.ts) and then `streamFile` reads it again while its movements are yielded in batches,
// so memory does not grow with the file.
import type { Product } from '../../domain/products.ts';
import type { NormalizedRecord } from '../../domain/records.ts';
import type { StatementFormat } from '../../formats/statement.ts';
import {
  type Connector,
  ConnectorError,
  type InstitutionDefinition,
  type ProductSource,
} from '../connector.ts';
import type { FileScan, ReadAgain } from './scan.ts';
import { FileRecords, recordsOf } from './transform.ts';

/** Records are handed on in batches of this many (a piece of the file is 1 MiB at most). */
export const BATCH_RECORDS = 5000;

/** The files connector's own entry point beside `fromFile`: a scanned file, read again as it streams. */
export interface FilesConnector extends Connector {
  /**
   * The records of a scanned file (scan.ts scanStatementFile), the movements and trades made while
   * `read` gives the file's events again. `intoAccount`: an existing account the movements join.
   * Throws, after the last batch, if the file did not read as it did when it was scanned.
   */
  streamFile(
    scan: FileScan & { format: StatementFormat },
    read: ReadAgain,
    options: { intoAccount?: string | undefined; batchRecords?: number | undefined },
  ): ProductSource;
}

export const isFilesConnector = (connector: Connector): connector is FilesConnector =>
  typeof (connector as Partial<FilesConnector>).streamFile === 'function';

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

export const filesConnector: FilesConnector = {
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
  streamFile(scan, read, options): ProductSource {
    const records = new FileRecords(scan, options.intoAccount);
    const batch = options.batchRecords ?? BATCH_RECORDS;
    const fixed: Partial<Record<Product, NormalizedRecord[]>> = {
      accounts: records.accounts,
      portfolios: records.portfolios,
      investments: records.investments,
    };
    return {
      products: records.investment
        ? ['accounts', 'transactions', 'portfolios', 'investments', 'investment_transactions']
        : ['accounts', 'transactions'],
      async *records(product) {
        if (product !== 'transactions' && product !== 'investment_transactions') {
          const list = fixed[product] ?? [];
          for (let start = 0; start < list.length; start += batch) yield list.slice(start, start + batch);
          return;
        }
        const out: NormalizedRecord[] = [];
        const sink =
          product === 'transactions' ? records.transactions(out) : records.investmentTransactions(out);
        for await (const _ of read(sink)) while (out.length >= batch) yield out.splice(0, batch);
        // The reader turns a sink's exception into an issue: any issue the scan did not have.
        if (sink.issues !== scan.issues.length)
          throw new Error('The file read differently the second time; nothing was imported.');
        while (out.length > 0) yield out.splice(0, batch);
      },
    };
  },
};

/** Its registration: no settings. */
export const filesModule = { id: filesConnector.id, create: () => filesConnector };
