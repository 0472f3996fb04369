// OFX / QFX, version 1.x (SGML: a text header, leaf elements without closing tags) and 2.x (XML),
// read by one tokenizer: an element followed by text is a leaf (its closing tag, if any, is
// skipped); an element followed by another tag is an aggregate that ends at its closing tag. Bank
// (STMTRS), credit-card (CCSTMTRS) and investment (INVSTMTRS) statements, several per file; a
// failed signon or transaction-list status is reported as an error.
import type { Issue, ParseResult, StatementTransaction } from '../statement.ts';
import { parseWhole, type StatementHeader, type StatementSink, type TextParser } from '../stream.ts';
import { investmentTransactionOf, positionOf, securityOf } from './investments.ts';
import { child, type Node, OfxTreeBuilder, text } from './tree.ts';
import { ofxAmount, ofxDate } from './values.ts';

function statusIssue(node: Node | undefined, what: string): Issue | null {
  const status = child(node, 'STATUS');
  const code = text(status, 'CODE');
  if (!status || code === null || code === '0') return null;
  const severity = text(status, 'SEVERITY') ?? 'ERROR';
  if (severity === 'INFO') return null;
  return {
    severity: severity === 'WARN' ? 'warning' : 'error',
    line: status.line,
    message: `${what}: ${severity} ${code}${text(status, 'MESSAGE') ? ` (${text(status, 'MESSAGE')})` : ''}`,
  };
}

/** One STMTTRN as a movement, or an error issue when it has no date or amount. */
function transactionOf(trn: Node, currency: string): StatementTransaction | Issue {
  // One pass over the leaves (a lookup per field was a tenth of an OFX parse).
  let posted: string | null = null;
  let amountText: string | null = null;
  let fitid: string | null = null;
  let name: string | null = null;
  let memo: string | null = null;
  let user: string | null = null;
  let available: string | null = null;
  let type: string | null = null;
  let check: string | null = null;
  let ref: string | null = null;
  let payee: Node | undefined;
  let currencyOf: Node | undefined;
  for (const leaf of trn.children) {
    const value = leaf.value === '' ? null : leaf.value;
    switch (leaf.name) {
      case 'DTPOSTED':
        posted ??= value;
        break;
      case 'TRNAMT':
        amountText ??= value;
        break;
      case 'FITID':
        fitid ??= value;
        break;
      case 'NAME':
        name ??= value;
        break;
      case 'MEMO':
        memo ??= value;
        break;
      case 'DTUSER':
        user ??= value;
        break;
      case 'DTAVAIL':
        available ??= value;
        break;
      case 'TRNTYPE':
        type ??= value;
        break;
      case 'CHECKNUM':
        check ??= value;
        break;
      case 'REFNUM':
        ref ??= value;
        break;
      case 'PAYEE':
        payee ??= leaf;
        break;
      case 'CURRENCY':
        currencyOf ??= leaf;
        break;
    }
  }
  const date = ofxDate(posted);
  const amount = ofxAmount(amountText);
  if (!date || amount === null)
    return {
      severity: 'error',
      line: trn.line,
      message:
        `transaction ${fitid ?? ''} skipped: ${!date ? `DTPOSTED "${posted ?? ''}" is not a date` : `TRNAMT "${amountText ?? ''}" is not an amount`}`.replace(
          '  ',
          ' ',
        ),
    };
  name ??= text(payee, 'NAME');
  return {
    sourceId: fitid,
    bookingDate: date,
    valueDate: ofxDate(user) ?? ofxDate(available),
    amount,
    currency: text(currencyOf, 'CURSYM') ?? currency,
    description: (name && memo ? `${name} — ${memo}` : (name ?? memo)) || type || '',
    counterparty: name,
    reference: check ?? ref,
    bankCode: type,
    line: trn.line,
  };
}

/** A statement aggregate (STMTRS, CCSTMTRS, INVSTMTRS) without its movements. */
function headerOf(rs: Node): StatementHeader {
  const from = child(rs, 'BANKACCTFROM') ?? child(rs, 'CCACCTFROM') ?? child(rs, 'INVACCTFROM');
  const list = child(rs, 'BANKTRANLIST') ?? child(rs, 'INVTRANLIST');
  const ledger = child(rs, 'LEDGERBAL');
  const closingAmount = ofxAmount(text(ledger, 'BALAMT'));
  const account = accountOf(from, text(rs, 'CURDEF') ?? 'XXX', rs.name === 'CCSTMTRS');
  if (rs.name === 'INVSTMTRS') {
    account.name ??= 'INVESTMENT';
    account.bankCode ??= text(from, 'BROKERID');
  }
  return {
    account,
    startDate: ofxDate(text(list, 'DTSTART')),
    endDate: ofxDate(text(list, 'DTEND')),
    opening: null,
    closing: closingAmount === null ? null : { amount: closingAmount, date: ofxDate(text(ledger, 'DTASOF')) },
    ...(rs.name === 'INVSTMTRS' && {
      investment: {
        brokerId: text(from, 'BROKERID'),
        availableCash: ofxAmount(text(child(rs, 'INVBAL'), 'AVAILCASH')),
        asOf: ofxDate(text(rs, 'DTASOF')),
      },
    }),
  };
}

/** The account an aggregate names (BANKACCTFROM, BANKACCTTO, CCACCTFROM, CCACCTTO). */
function accountOf(from: Node | undefined, currency: string, card: boolean): StatementHeader['account'] {
  const number = text(from, 'ACCTID') ?? '';
  return {
    number,
    iban: /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(number) ? number : null,
    currency,
    name: text(from, 'ACCTTYPE') ?? (card ? 'CREDITCARD' : null),
    bankCode: text(from, 'BANKID'),
    branchCode: text(from, 'BRANCHID'),
  };
}

/**
 * An intrabank transfer response (INTRARS, what some conversion tools write instead of a
 * statement) as the movements it made: out of the from-account and into the to-account (both the
 * user's: an intrabank transfer is between their own accounts), dated when it was processed
 * (else posted, projected or due), its server id as the bank id. Each becomes a statement of one
 * movement; the import gathers an account's statements into the account.
 */
function transferOf(rs: Node): Array<{ header: StatementHeader; movement: StatementTransaction }> | Issue {
  const info = child(rs, 'XFERINFO');
  const amount = ofxAmount(text(info, 'TRNAMT'));
  const status = child(rs, 'XFERPRCSTS');
  const date = ofxDate(
    text(status, 'DTXFERPRC') ?? text(rs, 'DTPOSTED') ?? text(rs, 'DTXFERPRJ') ?? text(info, 'DTDUE'),
  );
  if (!amount || !date)
    return {
      severity: 'error',
      line: rs.line,
      message: `transfer skipped: ${amount ? 'no date' : 'no amount'}`,
    };
  const currency = text(rs, 'CURDEF') ?? 'XXX';
  const id = text(rs, 'SRVRTID');
  const sides = [
    { account: child(info, 'BANKACCTFROM') ?? child(info, 'CCACCTFROM'), sign: -1 },
    { account: child(info, 'BANKACCTTO') ?? child(info, 'CCACCTTO'), sign: 1 },
  ].filter((side) => side.account);
  const magnitude = amount.replace(/^-/, '');
  return sides.map(({ account, sign }) => {
    const header: StatementHeader = {
      account: accountOf(account, currency, account!.name.startsWith('CC')),
      startDate: date,
      endDate: date,
      opening: null,
      closing: null,
    };
    const other = accountOf(sides.find((s) => s.account !== account)?.account, currency, false).number;
    return {
      header,
      movement: {
        sourceId: id,
        bookingDate: date,
        valueDate: null,
        amount: sign < 0 && magnitude !== '0' ? `-${magnitude}` : magnitude,
        currency,
        description: other ? `Transfer ${sign < 0 ? 'to' : 'from'} ${other}` : 'Transfer',
        counterparty: null,
        reference: id,
        bankCode: 'XFER',
        line: rs.line,
      },
    };
  });
}

const STATEMENTS = new Set(['STMTRS', 'CCSTMTRS', 'INVSTMTRS']);
const WRAPPERS = new Set(['STMTTRNRS', 'CCSTMTTRNRS', 'INVSTMTTRNRS', 'INTRATRNRS', 'CCINTRATRNRS']);

/**
 * Streaming OFX: each movement is emitted, and dropped from the tree, as soon as its STMTTRN
 * closes; a statement begins at its first movement (its account and currency come before the
 * list) and ends when its aggregate closes (the ledger balance comes after the list).
 */
export class OfxParser implements TextParser {
  readonly #sink: StatementSink;
  readonly #tree = new OfxTreeBuilder((node, parent) => this.#closed(node, parent));
  /** The statement aggregate whose header has been emitted. */
  #begun: Node | null = null;

  constructor(sink: StatementSink) {
    this.#sink = sink;
  }

  write(text: string): void {
    this.#tree.write(text);
  }

  close(): void {
    this.#tree.close();
    if (!this.#tree.started) this.#sink.issue({ severity: 'error', line: null, message: 'no <OFX> element' });
  }

  #begin(rs: Node): void {
    if (this.#begun === rs) return;
    this.#begun = rs;
    this.#sink.begin(headerOf(rs), rs.line);
  }

  #closed(node: Node, parent: Node): boolean {
    if (node.name === 'SONRS') {
      const signon = statusIssue(node, 'signon refused');
      if (signon) this.#sink.issue(signon);
      return false;
    }
    if (WRAPPERS.has(node.name)) {
      const failed = statusIssue(node, 'statement refused');
      if (failed) this.#sink.issue(failed);
      return true;
    }
    const rs = this.#tree.openElement(STATEMENTS);
    if (node.name === 'STMTTRN' && rs) {
      this.#begin(rs);
      const result = transactionOf(node, text(rs, 'CURDEF') ?? 'XXX');
      if ('severity' in result) this.#sink.issue(result);
      else this.#sink.transaction(result);
      return true;
    }
    // The lists' aggregates (a leaf such as DTSTART only closes here when the file is XML).
    const listed = node.children.length > 0;
    if (
      listed &&
      rs?.name === 'INVSTMTRS' &&
      (parent.name === 'INVTRANLIST' || parent.name === 'INVPOSLIST')
    ) {
      // INVBANKTRAN's cash movement was read as a STMTTRN above; what is left of it is dropped.
      if (node.name === 'INVBANKTRAN') return true;
      this.#begin(rs);
      const currency = text(rs, 'CURDEF') ?? 'XXX';
      if (parent.name === 'INVPOSLIST') {
        const position = positionOf(node, currency);
        if ('severity' in position) this.#sink.issue(position);
        else this.#sink.position?.(position);
      } else {
        const trade = investmentTransactionOf(node, currency);
        if ('severity' in trade) this.#sink.issue(trade);
        else this.#sink.investmentTransaction?.(trade);
      }
      return true;
    }
    if (node.name === 'INTRARS' || node.name === 'CCINTRARS') {
      const transfer = transferOf(node);
      if ('severity' in transfer) this.#sink.issue(transfer);
      else
        for (const { header, movement } of transfer) {
          this.#sink.begin(header, node.line);
          this.#sink.transaction(movement);
          this.#sink.end(header, null);
        }
      return true;
    }
    if (listed && parent.name === 'SECLIST') {
      const security = securityOf(node);
      if (security) this.#sink.security?.(security);
      return true;
    }
    if (STATEMENTS.has(node.name)) {
      this.#begin(node);
      this.#sink.end(headerOf(node), null);
      this.#begun = null;
      return true;
    }
    return false;
  }
}

export function looksLikeOfx(textOfFile: string): boolean {
  const head = textOfFile.slice(0, 4096);
  return /OFXHEADER\s*[:=]/i.test(head) || /<OFX>/i.test(head);
}

export function parseOfx(textOfFile: string): ParseResult {
  return parseWhole('ofx', (sink) => new OfxParser(sink), textOfFile);
}
