// QIF investment sections. "!Type:Invst" records name an action (N: Buy, Sell, Div, ReinvDiv,
// ShrsIn, XIn, …), a security by name (Y), price (I), quantity (Q), amount (T, unsigned: the action
// gives the direction) and commission (O). Trades become investment transactions, as OFX's do; the
// actions that only move cash (XIn, XOut, Cash, MiscExp, …) are movements of the account's cash.
// "!Type:Security" records (N name, S symbol, T type) are the file's securities list.
import type { InvestmentAction, InvestmentTransaction, Security, SecurityKind } from '../statement.ts';

export interface InvstFields {
  fields: Map<string, string>;
  date: string;
  line: number;
}

interface ActionRule {
  action: InvestmentAction;
  /** Units in (+1), out (-1) or untouched (0). */
  units: 1 | -1 | 0;
  /** Cash in (+1) or out (-1) of the account. */
  cash: 1 | -1;
  incomeType?: string;
  transfer?: 'IN' | 'OUT';
}

// Quicken's actions; an "X" suffix (BuyX, DivX, …) says the cash came from or went to another
// account, which does not change what the trade is.
const rules: Record<string, ActionRule> = {
  buy: { action: 'buy', units: 1, cash: -1 },
  sell: { action: 'sell', units: -1, cash: 1 },
  shtsell: { action: 'sell', units: -1, cash: 1 },
  cvrshrt: { action: 'buy', units: 1, cash: -1 },
  div: { action: 'income', units: 0, cash: 1, incomeType: 'DIV' },
  intinc: { action: 'income', units: 0, cash: 1, incomeType: 'INTEREST' },
  cglong: { action: 'income', units: 0, cash: 1, incomeType: 'CGLONG' },
  cgmid: { action: 'income', units: 0, cash: 1, incomeType: 'CGLONG' },
  cgshort: { action: 'income', units: 0, cash: 1, incomeType: 'CGSHORT' },
  miscinc: { action: 'income', units: 0, cash: 1, incomeType: 'MISC' },
  rtrncap: { action: 'other', units: 0, cash: 1 },
  reinvdiv: { action: 'reinvest', units: 1, cash: -1, incomeType: 'DIV' },
  reinvint: { action: 'reinvest', units: 1, cash: -1, incomeType: 'INTEREST' },
  reinvlg: { action: 'reinvest', units: 1, cash: -1, incomeType: 'CGLONG' },
  reinvmd: { action: 'reinvest', units: 1, cash: -1, incomeType: 'CGLONG' },
  reinvsh: { action: 'reinvest', units: 1, cash: -1, incomeType: 'CGSHORT' },
  shrsin: { action: 'transfer', units: 1, cash: 1, transfer: 'IN' },
  shrsout: { action: 'transfer', units: -1, cash: -1, transfer: 'OUT' },
  stksplit: { action: 'other', units: 0, cash: 1 },
};

/** Cash-only actions and the direction of their (unsigned) amount; 0: the amount's own sign. */
const cashActions: Record<string, 1 | -1 | 0> = {
  xin: 1,
  contribx: 1,
  xout: -1,
  withdrwx: -1,
  miscexp: -1,
  margint: -1,
  cash: 0,
};

const actionKey = (action: string) => action.trim().toLowerCase().replace(/x$/, '');

/** A cash-only record's amount with its direction applied (a record that is not a trade). */
export function qifCashAmount(action: string | undefined, amount: string): string {
  const direction = cashActions[action?.trim().toLowerCase() ?? ''];
  return direction ? (withSign(amount, direction) ?? amount) : amount;
}

/** `amount` made positive (+1) or negative (-1); null for no amount or a record without (0). */
function withSign(amount: string | null, sign: 1 | -1 | 0): string | null {
  if (amount === null || sign === 0) return null;
  const bare = amount.replace(/^-/, '');
  return sign < 0 && bare !== '0' ? `-${bare}` : bare;
}

/** A trade record of an Invst section; amounts are parsed by the caller's rules. */
export function qifTradeOf(
  record: InvstFields,
  amount: (raw: string) => string | null,
): InvestmentTransaction | null {
  const rawAction = record.fields.get('N')?.trim() ?? '';
  const rule = rules[actionKey(rawAction)];
  if (!rule) return null;
  const security = record.fields.get('Y')?.trim();
  const read = (code: string) => {
    const raw = record.fields.get(code);
    return raw ? amount(raw) : null;
  };
  const total = read('T') ?? read('U');
  return {
    sourceId: null,
    type: rawAction,
    action: rule.action,
    tradeDate: record.date,
    settleDate: null,
    security: security ? { type: 'NAME', uniqueId: security } : null,
    units: withSign(read('Q'), rule.units),
    unitPrice: read('I'),
    total: rule.action === 'transfer' ? null : withSign(total, rule.cash),
    commission: read('O'),
    fees: null,
    taxes: null,
    incomeType: rule.incomeType ?? null,
    transferAction: rule.transfer ?? null,
    currency: 'XXX',
    memo: record.fields.get('M')?.trim() || record.fields.get('P')?.trim() || null,
    line: record.line,
  };
}

const securityKinds: Array<[RegExp, SecurityKind]> = [
  [/stock|share|equity|etf/i, 'stock'],
  [/fund|mutual/i, 'fund'],
  [/bond|cd|treasury|debt/i, 'debt'],
  [/option/i, 'option'],
];

/** A record of a "!Type:Security" list. */
export function qifSecurityOf(fields: Map<string, string>, line: number): Security | null {
  const name = fields.get('N')?.trim();
  if (!name) return null;
  const type = fields.get('T')?.trim() ?? '';
  return {
    id: { type: 'NAME', uniqueId: name },
    kind: securityKinds.find(([pattern]) => pattern.test(type))?.[1] ?? 'other',
    name,
    ticker: fields.get('S')?.trim() || null,
    subtype: type || null,
    unitPrice: null,
    priceDate: null,
    currency: null,
    line,
  };
}
