// A statement file as the records a connector would yield: accounts and their transactions, and
// for investment statements (OFX, QIF) portfolios, their investments (holdings) and the
// investments' transactions (trades), in the native API's fields (Flanks'). Pure: the files
// connector yields them. Accounts, portfolios and investments are made from the file's scan
// (scan.ts); movements and trades are made as the file streams past again (`streamedRecords`), so
// each record is made, handed on in a batch and forgotten.
import { createHash } from 'node:crypto';
import { maskCardNumbers } from '../../domain/identifiers.ts';
import type { NormalizedRecord } from '../../domain/records.ts';
import type {
  InvestmentAction,
  InvestmentTransaction,
  ParseResult,
  Position,
  Security,
  SecurityId,
  SecurityKind,
  StatementFormat,
  StatementTransaction,
} from '../../formats/statement.ts';
import { sumAmounts } from '../../formats/statement.ts';
import type { StatementHeader, StatementSink } from '../../formats/stream.ts';
import {
  type FileScan,
  fieldsHash,
  mayRepeat,
  replay,
  type ScannedStatement,
  scanOf,
  securityKey,
} from './scan.ts';

export { accountKeyOf } from './scan.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Fingerprint keys with an occurrence index (`fp:<fingerprint>:<n>`), one item at a time: two
 * identical movements on the same day stay two, and importing the same or an overlapping file
 * again adds nothing twice. Only a fingerprint that may repeat (`counted`) is remembered: one
 * that cannot is its first occurrence.
 */
class Fingerprints {
  readonly #seen = new Map<string, number>();

  key(fields: readonly string[], counted = true): string {
    const fingerprint = sha256(fields.join('\u0000')).slice(0, 32);
    if (!counted) return `fp:${fingerprint}:0`;
    const occurrence = this.#seen.get(fingerprint) ?? 0;
    this.#seen.set(fingerprint, occurrence + 1);
    return `fp:${fingerprint}:${occurrence}`;
  }
}

/** A movement's fingerprint fields: account, dates, amount and text (it has no id of its own). */
const movementFields = (accountKey: string, t: StatementTransaction) => [
  accountKey,
  t.bookingDate,
  t.valueDate ?? '',
  t.amount,
  t.description,
  t.reference ?? '',
];

/**
 * Keys from the bank's own ids (OFX FITID, a CSV's id column), scoped to the account: ids are only
 * unique per account (small sequential ids are common), so two accounts' movement `1` are two. A
 * bank that repeats an id within an account (real banks do; exports fill a reference column with a
 * constant) keeps every movement: the first occurrence is `id:<account>:<id>`, the next ones add
 * their occurrence index, so importing the same file again adds nothing. Only ids the scan saw
 * more than once are counted (`counted`); the others are first occurrences.
 */
class BankIds {
  readonly #seen = new Map<string, number>();

  key(accountKey: string, id: string, counted: boolean): string {
    const base = `id:${accountKey}:${id}`;
    if (!counted) return base;
    const occurrence = this.#seen.get(base) ?? 0;
    this.#seen.set(base, occurrence + 1);
    return occurrence === 0 ? base : `${base}:${occurrence}`;
  }
}

export interface StatementRecords {
  accounts: NormalizedRecord[];
  transactions: NormalizedRecord[];
  portfolios: NormalizedRecord[];
  investments: NormalizedRecord[];
  investmentTransactions: NormalizedRecord[];
}

/** One account's statements (by number and currency, or all of them with `intoAccount`). */
interface AccountGroup {
  key: string;
  statements: ScannedStatement[];
  /** Its last statement: the account's name, balance and currency, the portfolio's. */
  last: StatementHeader;
  /** Investment accounts: the investment each security's trades hang from (and `CASH`). */
  investmentKeyOf: Map<string, string> | null;
}

/** Fingerprints counted per account, for one reading of the file. */
const perAccount = () => {
  const counters = new Map<string, Fingerprints>();
  return (group: AccountGroup) => {
    let counter = counters.get(group.key);
    if (!counter) {
      counter = new Fingerprints();
      counters.set(group.key, counter);
    }
    return counter;
  };
};

/**
 * The records of a scanned file: those made from the scan (accounts, portfolios, investments), and
 * sinks that make the movements and trades while the file is read again. With `intoAccount` (an
 * existing account's natural key, for a file of that one account) the movements go to that account
 * and its record is left as it is.
 */
export class FileRecords {
  readonly #scan: FileScan;
  readonly #format: StatementFormat;
  readonly #groups = new Map<string, AccountGroup>();
  /** The group of each statement, by its index in the file. */
  readonly #groupOf: AccountGroup[] = [];
  readonly accounts: NormalizedRecord[] = [];
  readonly portfolios: NormalizedRecord[] = [];
  readonly investments: NormalizedRecord[] = [];

  constructor(scan: FileScan & { format: StatementFormat }, intoAccount: string | undefined) {
    this.#scan = scan;
    this.#format = scan.format;
    for (const statement of scan.statements) {
      const key = intoAccount ?? statement.key;
      let group = this.#groups.get(key);
      if (!group) {
        group = {
          key,
          statements: [],
          last: statement.header,
          investmentKeyOf: null,
        };
        this.#groups.set(key, group);
      }
      group.statements.push(statement);
      group.last = statement.header;
      this.#groupOf.push(group);
    }
    for (const group of this.#groups.values()) {
      if (!intoAccount) this.accounts.push(accountRecord(this.#format, group));
      if (group.statements.some((s) => s.header.investment)) this.#addInvestments(group);
    }
  }

  /** Whether the file has investment statements (and so fills the investment products). */
  get investment(): boolean {
    return this.portfolios.length > 0;
  }

  /** A sink making each movement's record into `out` as the file is read again. */
  transactions(out: NormalizedRecord[]): StatementSink & { readonly issues: number } {
    const fingerprints = perAccount();
    const bankIds = new BankIds();
    return this.#sink((statement, group) => ({
      transaction: (original) => {
        const t = withCurrency(statement, original);
        const key = t.sourceId
          ? bankIds.key(group.key, t.sourceId, mayRepeat(this.#scan, t.sourceId))
          : fingerprints(group).key(movementFields(group.key, t), this.#scan.repeated.has(fieldsHash(t)));
        out.push(transactionRecord(this.#format, group.key, key, t));
      },
    }));
  }

  /** A sink making each trade's record into `out` (trades of investment accounts only). */
  investmentTransactions(out: NormalizedRecord[]): StatementSink & { readonly issues: number } {
    const fingerprints = perAccount();
    const bankIds = new BankIds();
    return this.#sink((statement, group) => ({
      investmentTransaction: (original) => {
        const investmentKeyOf = group.investmentKeyOf;
        if (!investmentKeyOf) return;
        const trade = withCurrency(statement, original);
        const key = trade.sourceId
          ? bankIds.key(group.key, trade.sourceId, mayRepeat(this.#scan, trade.sourceId))
          : fingerprints(group).key([
              group.key,
              trade.type,
              trade.tradeDate,
              trade.security ? securityKey(trade.security) : '',
              trade.units ?? '',
              trade.total ?? '',
            ]);
        const parentKey = investmentKeyOf.get(trade.security ? securityKey(trade.security) : 'CASH')!;
        out.push(tradeRecord(key, parentKey, group.last, trade, this.#scan.securities));
      },
    }));
  }

  /** A sink that follows the statements of the file and hands each event to the open one's handlers. */
  #sink(
    open: (
      statement: ScannedStatement,
      group: AccountGroup,
    ) => Partial<Pick<StatementSink, 'transaction' | 'investmentTransaction'>>,
  ): StatementSink & { readonly issues: number } {
    let index = -1;
    let issues = 0;
    let handlers: Partial<Pick<StatementSink, 'transaction' | 'investmentTransaction'>> = {};
    const statements = this.#scan.statements;
    return {
      begin: () => {
        index += 1;
        const statement = statements[index];
        if (!statement) throw new Error('the file has more statements than when it was scanned');
        handlers = open(statement, this.#groupOf[index]!);
      },
      transaction: (transaction) => handlers.transaction?.(transaction),
      investmentTransaction: (trade) => handlers.investmentTransaction?.(trade),
      end: () => {},
      position: () => {},
      security: () => {},
      issue: () => {
        issues += 1;
      },
      get issues() {
        return issues;
      },
    };
  }

  #addInvestments(group: AccountGroup): void {
    const { last, statements } = group;
    const portfolioKey = group.key;
    const securities = this.#scan.securities;
    // The latest statement that lists holdings is the account's current state.
    const positions = statements.findLast((s) => s.positions.length)?.positions ?? [];
    const asOf = statements.findLast((s) => s.header.investment)?.header.investment?.asOf ?? null;
    this.portfolios.push(portfolioRecord(portfolioKey, last, positions));
    // One investment per security held; a security listed twice (two sub-accounts, long and short)
    // keeps each holding apart by its occurrence.
    const held = new Map<string, number>();
    const investmentKeyOf = new Map<string, string>();
    group.investmentKeyOf = investmentKeyOf;
    for (const position of positions) {
      const security = securityKey(position.security);
      const occurrence = (held.get(security) ?? 0) + 1;
      held.set(security, occurrence);
      const key = `${portfolioKey}:${security}${occurrence > 1 ? `#${occurrence}` : ''}`;
      if (occurrence === 1) investmentKeyOf.set(security, key);
      this.investments.push(
        investmentRecord(key, portfolioKey, position.security, securities, position, asOf, position.kind),
      );
    }
    for (const { security: id, type } of statements.flatMap((s) => s.traded)) {
      const security = securityKey(id);
      if (investmentKeyOf.has(security)) continue;
      const key = `${portfolioKey}:${security}`;
      investmentKeyOf.set(security, key);
      const kind = securities.get(security)?.kind ?? kindOfTrade(type);
      // Traded but not in the file's positions (an activity-only download): stored only where the
      // connection does not hold that investment already, so it never overwrites a real holding.
      this.investments.push({
        ...investmentRecord(key, portfolioKey, id, securities, null, null, kind),
        keepExisting: true,
      });
    }
    // A trade without a security (a journal of cash between sub-accounts) hangs from the portfolio's
    // own pseudo-investment for cash, so every trade has an investment_id.
    if (statements.some((s) => s.cashTrade)) {
      const key = `${portfolioKey}:CASH`;
      investmentKeyOf.set('CASH', key);
      this.investments.push({
        ...cashInvestment(key, portfolioKey, last.account.currency),
        keepExisting: true,
      });
    }
  }
}

/**
 * A movement or trade without a currency (XXX) takes its statement's: the one given with the file
 * (a format that has none), or the one the statement states after its movements (an MT942 report's
 * sums, :90D:/:90C:, come after them).
 */
const withCurrency = <T extends { currency: string }>(statement: ScannedStatement, item: T): T =>
  item.currency === 'XXX' && statement.header.account.currency !== 'XXX'
    ? { ...item, currency: statement.header.account.currency }
    : item;

/**
 * The records of a file parsed whole (its currencies already given), made as an import makes them
 * while the file streams. Statements of one account (by number and currency) make one account.
 */
export function recordsOf(result: ParseResult, intoAccount?: string): StatementRecords {
  const { scan } = scanOf(result);
  const records = new FileRecords({ ...scan, format: result.format }, intoAccount);
  const transactions: NormalizedRecord[] = [];
  const investmentTransactions: NormalizedRecord[] = [];
  replay(result, records.transactions(transactions));
  if (records.investment) replay(result, records.investmentTransactions(investmentTransactions));
  return {
    accounts: records.accounts,
    transactions,
    portfolios: records.portfolios,
    investments: records.investments,
    investmentTransactions,
  };
}

/** OFX's account types (ACCTTYPE, or the aggregate's kind), as a person names them. */
const ofxAccountTypes: Record<string, string> = {
  CHECKING: 'Checking',
  SAVINGS: 'Savings',
  MONEYMRKT: 'Money market',
  CREDITLINE: 'Credit line',
  CD: 'Certificate of deposit',
  CREDITCARD: 'Credit card',
  INVESTMENT: 'Investment',
};

/**
 * The account's name: the file's, with the account's number when the name is not already it (an
 * OFX account is named by its type: two checking accounts of one bank must stay apart). A card's
 * number is masked, as everywhere in responses.
 */
function accountName(format: StatementFormat, account: StatementHeader['account']): string {
  const number = account.number ? maskCardNumbers(account.number) : '';
  const name =
    account.name && format === 'ofx' ? (ofxAccountTypes[account.name] ?? account.name) : account.name;
  if (!name) return number;
  return number && !name.includes(number) ? `${name} ${number}` : name;
}

function accountRecord(format: StatementFormat, group: AccountGroup): NormalizedRecord {
  const { statements } = group;
  // The balance is the newest statement's (by its closing date; the last one in the file on a tie
  // or without dates): a newest-first CSV of several accounts lists its latest run first.
  const last = statements.reduce(
    (newest, s) => ((s.header.closing?.date ?? '') >= (newest.header.closing?.date ?? '') ? s : newest),
    statements[0]!,
  ).header;
  const investment = statements.findLast((s) => s.header.investment)?.header.investment;
  return {
    product: 'accounts',
    naturalKey: group.key,
    data: {
      iban: last.account.iban,
      name: accountName(format, last.account),
      alias: null,
      // The cash side of an investment account holds its cash movements (OFX INVBANKTRAN).
      type: investment ? 'brokerage_cash' : 'current',
      balance: last.closing?.amount ?? investment?.availableCash ?? null,
      available_balance: investment?.availableCash ?? null,
      currency: last.account.currency,
      description: `Imported ${format} statement`,
      is_owner: null,
      num_owners: null,
      owners: null,
    },
    raw: { account: last.account, statements: statements.length },
  };
}

/**
 * A movement's free text with card numbers masked (DESIGN.md: never a full PAN in a response). The
 * natural key is computed before, from the file as it is, so ids do not change with the masking;
 * the stored document (GET /v1/documents/{id}/content) stays the user's file byte for byte.
 */
function masked(t: StatementTransaction): StatementTransaction {
  return {
    ...t,
    description: maskCardNumbers(t.description),
    counterparty: t.counterparty && maskCardNumbers(t.counterparty),
    reference: t.reference && maskCardNumbers(t.reference),
  };
}

function transactionRecord(
  format: StatementFormat,
  accountKey: string,
  naturalKey: string,
  original: StatementTransaction,
): NormalizedRecord {
  const t = masked(original);
  return {
    product: 'transactions',
    naturalKey,
    parentKey: accountKey,
    data: {
      amount: t.amount,
      currency: t.currency,
      balance: null,
      operation_date: t.bookingDate,
      value_date: t.valueDate,
      description: t.description,
      product_description: null,
      counterparty: t.counterparty,
      bank_category: t.bankCode,
      norma43: format === 'norma43' && t.bankCode ? t.bankCode.slice(0, 2) : null,
      transaction_id: t.sourceId,
      order_id: t.reference,
    },
    raw: t,
  };
}

const identifierOf = (id: SecurityId) => (id.type === 'NAME' ? null : id.uniqueId);

/** Flanks' investment types: VI equity, F fund, FI fixed income, DV derivative, O other. */
const investmentType: Record<SecurityKind, string> = {
  stock: 'VI',
  fund: 'F',
  debt: 'FI',
  option: 'DV',
  other: 'O',
};

/**
 * Flanks' investment_transactions `type` (its table of codes is not in its documents; these are the
 * ones the sandbox broker uses too): 1 purchase, 2 sale, 4 transfer, 7 income. A reinvested income
 * buys units, so it is a purchase; splits, journals and the like have no code (null).
 */
const transactionType: Record<InvestmentAction, string | null> = {
  buy: '1',
  reinvest: '1',
  sell: '2',
  transfer: '4',
  income: '7',
  other: null,
};

function portfolioRecord(key: string, last: StatementHeader, positions: Position[]): NormalizedRecord {
  return {
    product: 'portfolios',
    naturalKey: key,
    data: {
      name: last.investment?.brokerId
        ? `${last.investment.brokerId} ${last.account.number}`
        : last.account.number,
      type: 'securities',
      currency: last.account.currency,
      balance: positions.length > 0 ? sumAmounts(positions.map((p) => p.marketValue ?? '0')) : null,
      ref_valores: last.account.number,
      ref_account: last.account.iban ?? last.account.number,
      ref_accounts: [last.account.iban ?? last.account.number],
      owners: null,
    },
    raw: { account: last.account, investment: last.investment ?? null },
  };
}

/** The kind of a security known only from a trade of it: by the trade's type (BUYMF, SELLSTOCK, …). */
const kindOfTrade = (type: string): SecurityKind =>
  /MF$/.test(type)
    ? 'fund'
    : /STOCK$/.test(type)
      ? 'stock'
      : /DEBT$/.test(type)
        ? 'debt'
        : /OPT$/.test(type)
          ? 'option'
          : 'other';

function investmentRecord(
  key: string,
  portfolioKey: string,
  id: SecurityId,
  securities: Map<string, Security>,
  position: Position | null,
  asOf: string | null,
  kind: SecurityKind,
): NormalizedRecord {
  const security = securities.get(securityKey(id));
  return {
    product: 'investments',
    naturalKey: key,
    parentKey: portfolioKey,
    data: {
      name: security?.name ?? security?.ticker ?? id.uniqueId,
      // Flanks: "if the product has other identifiers they will be included in this field" (a
      // QIF file names its securities only by name: no identifier).
      isin: identifierOf(id),
      cusip: id.type === 'CUSIP' ? id.uniqueId : null,
      symbol: security?.ticker ?? null,
      type: investmentType[kind],
      subtype: security?.subtype ?? null,
      // Traded but not listed among the positions: how much is held is unknown, not zero.
      amount: position ? Number(position.units) : null,
      balance: position?.marketValue ?? null,
      currency: position?.currency ?? security?.currency ?? null,
      is_nominal: kind === 'debt',
      valuation_date: position ? (position.priceDate ?? asOf) : null,
      detail: position
        ? {
            unit_price: position.unitPrice === null ? null : Number(position.unitPrice),
            held_in_account: position.heldIn,
            position_type: position.positionType,
            memo: position.memo,
          }
        : null,
    },
    raw: { position, security: security ?? null },
  };
}

function cashInvestment(key: string, portfolioKey: string, currency: string): NormalizedRecord {
  return {
    product: 'investments',
    naturalKey: key,
    parentKey: portfolioKey,
    data: { name: 'Cash', isin: null, type: 'O', amount: null, balance: null, currency },
    raw: null,
  };
}

function tradeRecord(
  naturalKey: string,
  parentKey: string,
  statement: StatementHeader,
  trade: InvestmentTransaction,
  securities: Map<string, Security>,
): NormalizedRecord {
  const name = trade.security ? securities.get(securityKey(trade.security))?.name : null;
  const units = trade.units === null ? null : Number(trade.units);
  return {
    product: 'investment_transactions',
    naturalKey,
    parentKey,
    data: {
      isin: trade.security ? identifierOf(trade.security) : null,
      description: [trade.type, name, trade.memo].filter(Boolean).join(' — '),
      type: transactionType[trade.action],
      symb: units === null || units === 0 ? null : units > 0 ? '+' : '-',
      operation_date: trade.tradeDate,
      value_date: trade.settleDate,
      amount: units,
      unit_price: trade.unitPrice,
      net_cash: trade.total,
      commission: trade.commission,
      expenses: trade.fees,
      retention: trade.taxes,
      currency: trade.currency,
      reference_currency: statement.account.currency,
      ref_valos: statement.account.number,
      transaction_id: trade.sourceId,
    },
    raw: trade,
  };
}
