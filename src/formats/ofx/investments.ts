// OFX investment statements (INVSTMTRS): the trades of INVTRANLIST, the holdings of INVPOSLIST and
// the securities of SECLIST, each read from its own element as the tree builder closes it. Pure
// functions of one element; cash movements (INVBANKTRAN) are ordinary STMTTRNs and read elsewhere.
import type {
  InvestmentAction,
  InvestmentTransaction,
  Issue,
  Position,
  Security,
  SecurityId,
  SecurityKind,
} from '../statement.ts';
import { child, type Node, text } from './tree.ts';
import { ofxAmount, ofxDate } from './values.ts';

/** The kind of security an aggregate's name ends with (POSMF, BUYSTOCK, SELLOPT, MFINFO, …). */
function kindOf(name: string): SecurityKind {
  if (/MF(INFO)?$/.test(name)) return 'fund';
  if (/STOCK(INFO)?$/.test(name)) return 'stock';
  if (/DEBT(INFO)?$/.test(name)) return 'debt';
  if (/OPT(INFO)?$/.test(name)) return 'option';
  return 'other';
}

function securityIdOf(node: Node | undefined): SecurityId | null {
  const secid = child(node, 'SECID');
  const uniqueId = text(secid, 'UNIQUEID');
  return uniqueId ? { uniqueId, type: text(secid, 'UNIQUEIDTYPE') ?? 'OTHER' } : null;
}

const currencyOf = (node: Node, fallback: string) =>
  text(child(node, 'CURRENCY'), 'CURSYM') ?? text(child(node, 'ORIGCURRENCY'), 'CURSYM') ?? fallback;

/** A POSSTOCK / POSMF / POSDEBT / POSOPT / POSOTHER, or an issue when it names no security or units. */
export function positionOf(node: Node, currency: string): Position | Issue {
  const pos = child(node, 'INVPOS');
  const security = securityIdOf(pos);
  const units = ofxAmount(text(pos, 'UNITS'));
  if (!security || units === null)
    return {
      severity: 'warning',
      line: node.line,
      message: `position skipped: ${!security ? 'no SECID' : `UNITS "${text(pos, 'UNITS') ?? ''}" is not a number`}`,
    };
  return {
    security,
    kind: kindOf(node.name),
    units,
    unitPrice: ofxAmount(text(pos, 'UNITPRICE')),
    marketValue: ofxAmount(text(pos, 'MKTVAL')),
    priceDate: ofxDate(text(pos, 'DTPRICEASOF')),
    currency: pos ? currencyOf(pos, currency) : currency,
    heldIn: text(pos, 'HELDINACCT'),
    positionType: text(pos, 'POSTYPE'),
    memo: text(pos, 'MEMO'),
    line: node.line,
  };
}

/** One entry of SECLIST (STOCKINFO, MFINFO, DEBTINFO, OPTINFO, OTHERINFO). */
export function securityOf(node: Node): Security | null {
  const info = child(node, 'SECINFO');
  const id = securityIdOf(info);
  if (!id) return null;
  return {
    id,
    kind: kindOf(node.name),
    name: text(info, 'SECNAME'),
    ticker: text(info, 'TICKER'),
    subtype:
      text(node, 'MFTYPE') ??
      text(node, 'STOCKTYPE') ??
      text(node, 'DEBTTYPE') ??
      text(node, 'OPTTYPE') ??
      text(node, 'TYPEDESC'),
    unitPrice: ofxAmount(text(info, 'UNITPRICE')),
    priceDate: ofxDate(text(info, 'DTASOF')),
    currency: info ? text(child(info, 'CURRENCY'), 'CURSYM') : null,
    line: node.line,
  };
}

function actionOf(name: string): InvestmentAction {
  if (name.startsWith('BUY')) return 'buy';
  if (name.startsWith('SELL')) return 'sell';
  if (name === 'INCOME') return 'income';
  if (name === 'REINVEST') return 'reinvest';
  if (name === 'TRANSFER') return 'transfer';
  return 'other';
}

/**
 * One child of INVTRANLIST other than INVBANKTRAN: a BUY…/SELL… (whose details sit in INVBUY or
 * INVSELL), INCOME, REINVEST, TRANSFER, SPLIT, JRNLSEC, … An error issue when it has no trade date.
 */
export function investmentTransactionOf(node: Node, currency: string): InvestmentTransaction | Issue {
  const detail = child(node, 'INVBUY') ?? child(node, 'INVSELL') ?? node;
  const invtran = child(detail, 'INVTRAN');
  const tradeDate = ofxDate(text(invtran, 'DTTRADE'));
  if (!tradeDate)
    return {
      severity: 'error',
      line: node.line,
      message:
        `investment transaction ${text(invtran, 'FITID') ?? ''} skipped: DTTRADE "${text(invtran, 'DTTRADE') ?? ''}" is not a date`.replace(
          '  ',
          ' ',
        ),
    };
  const action = actionOf(node.name);
  let units = ofxAmount(text(detail, 'UNITS'));
  // Units leaving the account are negative whatever sign the file gives them (some brokers send
  // sells and outgoing transfers positive).
  const leaving = action === 'sell' || (action === 'transfer' && text(node, 'TFERACTION') === 'OUT');
  if (units !== null && leaving && !units.startsWith('-') && units !== '0') units = `-${units}`;
  return {
    sourceId: text(invtran, 'FITID'),
    type: node.name,
    action,
    tradeDate,
    settleDate: ofxDate(text(invtran, 'DTSETTLE')),
    security: securityIdOf(detail),
    units,
    unitPrice: ofxAmount(text(detail, 'UNITPRICE')),
    total: ofxAmount(text(detail, 'TOTAL')),
    commission: ofxAmount(text(detail, 'COMMISSION')),
    fees: ofxAmount(text(detail, 'FEES')),
    taxes: ofxAmount(text(detail, 'TAXES')) ?? ofxAmount(text(detail, 'WITHHOLDING')),
    incomeType: text(detail, 'INCOMETYPE'),
    transferAction: text(detail, 'TFERACTION'),
    currency: currencyOf(detail, currency),
    memo: text(invtran, 'MEMO'),
    line: node.line,
  };
}
