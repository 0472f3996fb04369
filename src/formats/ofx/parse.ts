// OFX / QFX, version 1.x (SGML: a text header, leaf elements without closing tags) and 2.x (XML),
// read by one tokenizer: an element followed by text is a leaf (its closing tag, if any, is
// skipped); an element followed by another tag is an aggregate that ends at its closing tag. Bank
// (STMTRS), credit-card (CCSTMTRS) and investment (INVSTMTRS) statements, several per file; a
// failed signon or transaction-list status is reported as an error.
import {
  cachedByText,
  type Issue,
  type ParseResult,
  type StatementTransaction,
  sumAmounts,
} from '../statement.ts';
import { parseWhole, type StatementHeader, type StatementSink, type TextParser } from '../stream.ts';

interface Node {
  name: string;
  value: string | null;
  children: Node[];
  line: number;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeValue(text: string): string {
  const unwrapped = text.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
  return unwrapped
    .replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (match, entity: string) => {
      if (entity.startsWith('#x') || entity.startsWith('#X'))
        return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
      if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
      return entities[entity.toLowerCase()] ?? match;
    })
    .trim();
}

/**
 * Aggregates that can span a large part of a file: known to be closed without waiting to see
 * their closing tag (every other element is decided by whether its closing tag has been seen).
 */
const AGGREGATES = new Set(
  'OFX SIGNONMSGSRSV1 SONRS STATUS FI BANKMSGSRSV1 STMTTRNRS STMTRS BANKACCTFROM BANKTRANLIST STMTTRN PAYEE LEDGERBAL AVAILBAL CREDITCARDMSGSRSV1 CCSTMTTRNRS CCSTMTRS CCACCTFROM INVSTMTMSGSRSV1 INVSTMTTRNRS INVSTMTRS INVACCTFROM INVTRANLIST INVPOSLIST INVBAL SECLISTMSGSRSV1 SECLIST'.split(
    ' ',
  ),
);
/** How much text is read ahead before elements are decided (so their closing tags are seen). */
const LOOKAHEAD = 65_536;

/**
 * Builds the element tree of an OFX body from text written in pieces. `onClose` sees every
 * element that could be closed as it closes and may return true to drop it from the tree (a streamed movement).
 */
export class OfxTreeBuilder {
  readonly root: Node = { name: '#root', value: null, children: [], line: 1 };
  readonly #stack: Node[] = [this.root];
  readonly #closed = new Set(AGGREGATES);
  readonly #onClose: (node: Node, parent: Node) => boolean;
  #buffer = '';
  #started = false;
  #line = 1;
  /** The element whose text may follow, and whether it sits on the stack (it can be closed). */
  #pending: { node: Node; onStack: boolean } | null = null;

  constructor(onClose: (node: Node, parent: Node) => boolean = () => false) {
    this.#onClose = onClose;
  }

  write(text: string): void {
    // Closing tags are noted as soon as they arrive (with an overlap for one cut between pieces).
    const scan = this.#buffer.slice(-64) + text;
    for (const match of scan.matchAll(/<\/([A-Za-z0-9_.]+)\s*>/g)) this.#closed.add(match[1]!.toUpperCase());
    this.#buffer += text;
    if (!this.#started) {
      const start = this.#buffer.search(/<OFX>/i);
      if (start < 0) {
        // Keep only what may be the start of a cut "<OFX>" tag; count the lines dropped.
        const keep = this.#buffer.slice(-4);
        this.#line += this.#buffer.length > 4 ? countLines(this.#buffer.slice(0, -4)) : 0;
        this.#buffer = keep;
        return;
      }
      this.#line += countLines(this.#buffer.slice(0, start));
      this.#buffer = this.#buffer.slice(start);
      this.#started = true;
    }
    this.#consume(false);
  }

  close(): void {
    this.#consume(true);
    this.#settle();
  }

  get started(): boolean {
    return this.#started;
  }

  /** The innermost open element named one of `names`. */
  openElement(names: ReadonlySet<string>): Node | undefined {
    return this.#stack.findLast((node) => names.has(node.name));
  }

  #settle(): void {
    const pending = this.#pending;
    if (pending?.node.value != null) pending.node.value = decodeValue(pending.node.value);
  }

  #pop(to: number): void {
    while (this.#stack.length > to) {
      const node = this.#stack.pop()!;
      const parent = this.#stack.at(-1)!;
      if (this.#onClose(node, parent) && parent.children.at(-1) === node) parent.children.pop();
    }
  }

  #consume(final: boolean): void {
    if (!this.#started) return;
    const buffer = this.#buffer;
    const limit = final ? buffer.length : buffer.length - LOOKAHEAD;
    // <![CDATA[…]]> is kept whole inside a value; tags are <NAME>, </NAME> or <NAME/>.
    const pattern = /<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)([A-Za-z0-9_.]+)\s*(\/?)>|[^<]+/y;
    let position = 0;
    while (position < limit) {
      pattern.lastIndex = position;
      const match = pattern.exec(buffer);
      // A tag or CDATA section cut by the end of this piece: wait for the next one.
      if (!match) break;
      const [token, closing, name, selfClosing] = match;
      if (name === undefined && !final && pattern.lastIndex === buffer.length) break;
      position = pattern.lastIndex;
      this.#token(token, closing, name, selfClosing);
      this.#line += countLines(token);
    }
    this.#buffer = buffer.slice(position);
  }

  #token(
    token: string,
    closing: string | undefined,
    name: string | undefined,
    selfClosing: string | undefined,
  ) {
    const pending = this.#pending;
    if (name === undefined) {
      if (pending && token.trim() !== '') pending.node.value = (pending.node.value ?? '') + token;
      return;
    }
    const upper = name.toUpperCase();
    this.#settle();
    // An element with text was a leaf: it ends here; its own closing tag, if this is it, is swallowed.
    const wasLeaf = pending?.onStack && pending.node.value !== null;
    if (wasLeaf) this.#pop(this.#stack.length - 1);
    const swallow = wasLeaf && closing && upper === pending!.node.name;
    this.#pending = null;
    if (swallow) return;
    if (closing) {
      const index = this.#stack.findLastIndex((node) => node.name === upper);
      if (index > 0) this.#pop(index);
      return;
    }
    const node: Node = { name: upper, value: null, children: [], line: this.#line };
    this.#stack.at(-1)!.children.push(node);
    if (!selfClosing) {
      const onStack = this.#closed.has(upper);
      if (onStack) this.#stack.push(node);
      this.#pending = { node, onStack };
    }
  }
}

function countLines(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) count += 1;
  return count;
}

/** The element tree of a whole text (everything from the first `<OFX>`). */
export function ofxTree(text: string): Node | null {
  const builder = new OfxTreeBuilder();
  builder.write(text);
  builder.close();
  return builder.root.children.find((node) => node.name === 'OFX') ?? null;
}

const child = (node: Node | undefined, name: string) => node?.children.find((c) => c.name === name);
const all = (node: Node | undefined, name: string): Node[] =>
  node ? node.children.flatMap((c) => (c.name === name ? [c] : all(c, name))) : [];
const text = (node: Node | undefined, name: string) => {
  const value = child(node, name)?.value;
  return value === undefined || value === null || value === '' ? null : value;
};

/** OFX datetime (YYYYMMDD[HHMMSS[.XXX]][[+-]h:TZ]) → yyyy-mm-dd, or null when it is not a real date. */
export function ofxDate(value: string | null): string | null {
  if (!value || !/^\d{8}/.test(value)) return null;
  return ofxDay(value.slice(0, 8));
}

const ofxDay = cachedByText((value: string): string | null => {
  const iso = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : iso;
});

/** OFX amount: "-30.000", "1,234.56" (some banks), "12,34" (decimal comma) → decimal string. */
export function ofxAmount(value: string | null): string | null {
  if (!value) return null;
  let v = value.trim().replace(/\s/g, '');
  if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(v)) v = v.replaceAll(',', '');
  else if (/^[-+]?\d+,\d+$/.test(v)) v = v.replace(',', '.');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(v)) return null;
  return sumAmounts([v.replace(/^\+/, '').replace(/^(-?)\./, '$10.')]);
}

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
  const date = ofxDate(text(trn, 'DTPOSTED'));
  const amount = ofxAmount(text(trn, 'TRNAMT'));
  if (!date || amount === null)
    return {
      severity: 'error',
      line: trn.line,
      message:
        `transaction ${text(trn, 'FITID') ?? ''} skipped: ${!date ? `DTPOSTED "${text(trn, 'DTPOSTED') ?? ''}" is not a date` : `TRNAMT "${text(trn, 'TRNAMT') ?? ''}" is not an amount`}`.replace(
          '  ',
          ' ',
        ),
    };
  const name = text(trn, 'NAME') ?? text(child(trn, 'PAYEE'), 'NAME');
  const memo = text(trn, 'MEMO');
  return {
    sourceId: text(trn, 'FITID'),
    bookingDate: date,
    valueDate: ofxDate(text(trn, 'DTUSER')) ?? ofxDate(text(trn, 'DTAVAIL')),
    amount,
    currency: text(child(trn, 'CURRENCY'), 'CURSYM') ?? currency,
    description: [name, memo].filter(Boolean).join(' — ') || text(trn, 'TRNTYPE') || '',
    counterparty: name,
    reference: text(trn, 'CHECKNUM') ?? text(trn, 'REFNUM'),
    bankCode: text(trn, 'TRNTYPE'),
    line: trn.line,
  };
}

/** A statement aggregate (STMTRS, CCSTMTRS, INVSTMTRS) without its movements. */
function headerOf(rs: Node): StatementHeader {
  const from = child(rs, 'BANKACCTFROM') ?? child(rs, 'CCACCTFROM') ?? child(rs, 'INVACCTFROM');
  const list = child(rs, 'BANKTRANLIST') ?? child(rs, 'INVTRANLIST');
  const ledger = child(rs, 'LEDGERBAL');
  const closingAmount = ofxAmount(text(ledger, 'BALAMT'));
  const number = text(from, 'ACCTID') ?? '';
  return {
    account: {
      number,
      iban: /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(number) ? number : null,
      currency: text(rs, 'CURDEF') ?? 'XXX',
      name:
        text(from, 'ACCTTYPE') ??
        (rs.name === 'CCSTMTRS' ? 'CREDITCARD' : rs.name === 'INVSTMTRS' ? 'INVESTMENT' : null),
      bankCode: text(from, 'BANKID') ?? text(from, 'BROKERID'),
      branchCode: text(from, 'BRANCHID'),
    },
    startDate: ofxDate(text(list, 'DTSTART')),
    endDate: ofxDate(text(list, 'DTEND')),
    opening: null,
    closing: closingAmount === null ? null : { amount: closingAmount, date: ofxDate(text(ledger, 'DTASOF')) },
  };
}

const STATEMENTS = new Set(['STMTRS', 'CCSTMTRS', 'INVSTMTRS']);
const WRAPPERS = new Set(['STMTTRNRS', 'CCSTMTTRNRS', 'INVSTMTTRNRS']);

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
  #investmentTransactions = 0;
  /** INVTRAN count of each investment statement, in file order. */
  readonly investmentTransactions: number[] = [];

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
    if (parent.name === 'INVTRANLIST') {
      this.#investmentTransactions += all(node, 'INVTRAN').length + (node.name === 'INVTRAN' ? 1 : 0);
      return true;
    }
    if (STATEMENTS.has(node.name)) {
      this.#begin(node);
      this.#sink.end(headerOf(node), null);
      if (node.name === 'INVSTMTRS') this.investmentTransactions.push(this.#investmentTransactions);
      this.#investmentTransactions = 0;
      this.#begun = null;
      return true;
    }
    return false;
  }
}

/** How many investment transactions (INVTRAN) each statement has, in file order. */
export function investmentTransactionCounts(textOfFile: string): number[] {
  const ignore = () => {};
  const parser = new OfxParser({ begin: ignore, transaction: ignore, end: ignore, issue: ignore });
  parser.write(textOfFile);
  parser.close();
  return parser.investmentTransactions;
}

export function looksLikeOfx(textOfFile: string): boolean {
  const head = textOfFile.slice(0, 4096);
  return /OFXHEADER\s*[:=]/i.test(head) || /<OFX>/i.test(head);
}

export function parseOfx(textOfFile: string): ParseResult {
  return parseWhole('ofx', (sink) => new OfxParser(sink), textOfFile);
}
