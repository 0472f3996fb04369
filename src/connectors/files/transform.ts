// A parsed statement file as the records a connector would yield: accounts and their transactions,
// and for investment statements (OFX) portfolios, their investments (holdings) and the investments'
// transactions (trades), in the native API's fields (Flanks'). Pure: the files connector yields them.
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
  Statement,
  StatementTransaction,
} from '../../formats/statement.ts';
import { sumAmounts } from '../../formats/statement.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A movement's natural key: the statement's own id when it has one, else a fingerprint of account,
 * dates, amount and text plus its occurrence index, so two identical movements on the same day stay
 * two, and importing the same or an overlapping file again adds nothing twice.
 */
export function transactionKeys(accountKey: string, transactions: readonly StatementTransaction[]): string[] {
  return fingerprintKeys(transactions, (t) =>
    t.sourceId
      ? null
      : [accountKey, t.bookingDate, t.valueDate ?? '', t.amount, t.description, t.reference ?? ''],
  ).map((key, index) => key ?? `id:${transactions[index]!.sourceId}`);
}

/** Fingerprint keys with an occurrence index; null where `parts` gives null (the record has its own id). */
function fingerprintKeys<T>(items: readonly T[], parts: (item: T) => string[] | null): (string | null)[] {
  const seen = new Map<string, number>();
  return items.map((item) => {
    const fields = parts(item);
    if (!fields) return null;
    const fingerprint = sha256(fields.join('\u0000')).slice(0, 32);
    const occurrence = seen.get(fingerprint) ?? 0;
    seen.set(fingerprint, occurrence + 1);
    return `fp:${fingerprint}:${occurrence}`;
  });
}

export interface StatementRecords {
  accounts: NormalizedRecord[];
  transactions: NormalizedRecord[];
  portfolios: NormalizedRecord[];
  investments: NormalizedRecord[];
  investmentTransactions: NormalizedRecord[];
}

export const accountKeyOf = (statement: Statement) =>
  `${statement.account.number}:${statement.account.currency}`;

/**
 * The records of a parsed file. Statements of one account (by number and currency) make one
 * account. With `intoAccount` (an existing account's natural key, for a file of that one account)
 * the movements go to that account and its record is left as it is.
 */
export function recordsOf(result: ParseResult, intoAccount?: string): StatementRecords {
  const records: StatementRecords = {
    accounts: [],
    transactions: [],
    portfolios: [],
    investments: [],
    investmentTransactions: [],
  };
  const byAccount = new Map<string, Statement[]>();
  for (const statement of result.statements) {
    const key = intoAccount ?? accountKeyOf(statement);
    byAccount.set(key, [...(byAccount.get(key) ?? []), statement]);
  }
  const securities = new Map((result.securities ?? []).map((s) => [securityKey(s.id), s]));
  for (const [key, statements] of byAccount) {
    if (!intoAccount) records.accounts.push(accountRecord(result, key, statements));
    const all = statements.flatMap((s) => s.transactions);
    const keys = transactionKeys(key, all);
    all.forEach((t, index) => {
      records.transactions.push(transactionRecord(result, key, keys[index]!, t));
    });
    if (statements.some((s) => s.investment)) addInvestments(records, key, statements, securities);
  }
  return records;
}

function accountRecord(result: ParseResult, key: string, statements: Statement[]): NormalizedRecord {
  const last = statements.at(-1)!;
  const investment = statements.findLast((s) => s.investment)?.investment;
  return {
    product: 'accounts',
    naturalKey: key,
    data: {
      iban: last.account.iban,
      name: last.account.name ?? last.account.number,
      alias: null,
      // The cash side of an investment account holds its cash movements (OFX INVBANKTRAN).
      type: investment ? 'brokerage_cash' : 'current',
      balance: last.closing?.amount ?? investment?.availableCash ?? null,
      available_balance: investment?.availableCash ?? null,
      currency: last.account.currency,
      description: `Imported ${result.format} statement`,
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
  result: ParseResult,
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
      norma43: result.format === 'norma43' && t.bankCode ? t.bankCode.slice(0, 2) : null,
      transaction_id: t.sourceId,
      order_id: t.reference,
    },
    raw: t,
  };
}

const securityKey = (id: SecurityId) => `${id.type}:${id.uniqueId}`;
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

function addInvestments(
  records: StatementRecords,
  accountKey: string,
  statements: Statement[],
  securities: Map<string, Security>,
): void {
  const last = statements.at(-1)!;
  const portfolioKey = accountKey;
  // The latest statement that lists holdings is the account's current state.
  const positions = statements.findLast((s) => s.positions?.length)?.positions ?? [];
  const asOf = statements.findLast((s) => s.investment)?.investment?.asOf ?? null;
  records.portfolios.push({
    product: 'portfolios',
    naturalKey: portfolioKey,
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
  });

  // One investment per security held; a security listed twice (two sub-accounts, long and short)
  // keeps each holding apart by its occurrence.
  const held = new Map<string, number>();
  const investmentKeyOf = new Map<string, string>();
  for (const position of positions) {
    const security = securityKey(position.security);
    const occurrence = (held.get(security) ?? 0) + 1;
    held.set(security, occurrence);
    const key = `${portfolioKey}:${security}${occurrence > 1 ? `#${occurrence}` : ''}`;
    if (occurrence === 1) investmentKeyOf.set(security, key);
    records.investments.push(
      investmentRecord(key, portfolioKey, position.security, securities, position, asOf, position.kind),
    );
  }
  const trades = statements.flatMap((s) => s.investmentTransactions ?? []);
  for (const trade of trades) {
    if (!trade.security) continue;
    const security = securityKey(trade.security);
    if (investmentKeyOf.has(security)) continue;
    const key = `${portfolioKey}:${security}`;
    investmentKeyOf.set(security, key);
    const kind = securities.get(security)?.kind ?? kindOfTrade(trade);
    // Traded but not in the file's positions (an activity-only download): stored only where the
    // connection does not hold that investment already, so it never overwrites a real holding.
    records.investments.push({
      ...investmentRecord(key, portfolioKey, trade.security, securities, null, null, kind),
      keepExisting: true,
    });
  }
  const keys = fingerprintKeys(trades, (t) =>
    t.sourceId
      ? null
      : [
          portfolioKey,
          t.type,
          t.tradeDate,
          t.security ? securityKey(t.security) : '',
          t.units ?? '',
          t.total ?? '',
        ],
  );
  trades.forEach((trade, index) => {
    // A trade without a security (a journal of cash between sub-accounts) hangs from the portfolio's
    // own pseudo-investment for cash, so every trade has an investment_id.
    const security = trade.security ? securityKey(trade.security) : 'CASH';
    let parentKey = investmentKeyOf.get(security);
    if (!parentKey) {
      parentKey = `${portfolioKey}:CASH`;
      investmentKeyOf.set('CASH', parentKey);
      records.investments.push({
        ...cashInvestment(parentKey, portfolioKey, last.account.currency),
        keepExisting: true,
      });
    }
    records.investmentTransactions.push(
      tradeRecord(keys[index] ?? `id:${trade.sourceId}`, parentKey, last, trade, securities),
    );
  });
}

const kindOfTrade = (trade: InvestmentTransaction): SecurityKind =>
  /MF$/.test(trade.type)
    ? 'fund'
    : /STOCK$/.test(trade.type)
      ? 'stock'
      : /DEBT$/.test(trade.type)
        ? 'debt'
        : /OPT$/.test(trade.type)
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
  statement: Statement,
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
