// OFX / QFX, version 1.x (SGML: a text header, leaf elements without closing tags) and 2.x (XML),
// read by one tokenizer: an element followed by text is a leaf (its closing tag, if any, is
// skipped); an element followed by another tag is an aggregate that ends at its closing tag. Bank
// (STMTRS), credit-card (CCSTMTRS) and investment (INVSTMTRS) statements, several per file; a
// failed signon or transaction-list status is reported as an error.
import {
  checkBalances,
  type Issue,
  type ParseResult,
  type Statement,
  type StatementTransaction,
  sumAmounts,
} from '../statement.ts';

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

/** The element tree of the body (everything from the first `<OFX>`). */
export function ofxTree(text: string): Node | null {
  const start = text.search(/<OFX>/i);
  if (start < 0) return null;
  const body = text.slice(start);
  // Elements that are ever closed are aggregates or XML leaves; the others are SGML leaves, which
  // never enclose anything even when empty.
  const closed = new Set([...body.matchAll(/<\/([A-Za-z0-9_.]+)\s*>/g)].map((m) => m[1]!.toUpperCase()));
  const root: Node = { name: '#root', value: null, children: [], line: 1 };
  const stack: Node[] = [root];
  let line = text.slice(0, start).split('\n').length;
  // <![CDATA[…]]> is kept whole inside a value; tags are <NAME>, </NAME> or <NAME/>.
  const pattern = /<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)([A-Za-z0-9_.]+)\s*(\/?)>|[^<]+/g;
  /** The element whose text may follow, and whether it sits on the stack (it can be closed). */
  let pending: { node: Node; onStack: boolean } | null = null;
  const settle = () => {
    if (pending?.node.value != null) pending.node.value = decodeValue(pending.node.value);
  };
  for (let match = pattern.exec(body); match; match = pattern.exec(body)) {
    const [token, closing, name, selfClosing] = match;
    if (name === undefined) {
      if (pending && token.trim() !== '') pending.node.value = (pending.node.value ?? '') + token;
    } else {
      const upper = name.toUpperCase();
      settle();
      // An element with text was a leaf: it ends here; its own closing tag, if this is it, is swallowed.
      const wasLeaf = pending?.onStack && pending.node.value !== null;
      if (wasLeaf) stack.pop();
      const swallow = wasLeaf && closing && upper === pending!.node.name;
      pending = null;
      if (swallow) {
        // nothing more to do
      } else if (closing) {
        const index = stack.findLastIndex((node) => node.name === upper);
        if (index > 0) stack.length = index;
      } else {
        const node: Node = { name: upper, value: null, children: [], line };
        stack.at(-1)!.children.push(node);
        if (!selfClosing) {
          const onStack = closed.has(upper);
          if (onStack) stack.push(node);
          pending = { node, onStack };
        }
      }
    }
    line += token.split('\n').length - 1;
  }
  settle();
  return root.children.find((node) => node.name === 'OFX') ?? null;
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
  const iso = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : iso;
}

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

function transactionsOf(list: Node | undefined, currency: string, issues: Issue[]): StatementTransaction[] {
  const result: StatementTransaction[] = [];
  for (const trn of all(list, 'STMTTRN')) {
    const date = ofxDate(text(trn, 'DTPOSTED'));
    const amount = ofxAmount(text(trn, 'TRNAMT'));
    if (!date || amount === null) {
      issues.push({
        severity: 'error',
        line: trn.line,
        message:
          `transaction ${text(trn, 'FITID') ?? ''} skipped: ${!date ? `DTPOSTED "${text(trn, 'DTPOSTED') ?? ''}" is not a date` : `TRNAMT "${text(trn, 'TRNAMT') ?? ''}" is not an amount`}`.replace(
            '  ',
            ' ',
          ),
      });
      continue;
    }
    const name = text(trn, 'NAME') ?? text(child(trn, 'PAYEE'), 'NAME');
    const memo = text(trn, 'MEMO');
    result.push({
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
    });
  }
  return result;
}

function statementOf(rs: Node, issues: Issue[]): Statement {
  const currency = text(rs, 'CURDEF') ?? 'XXX';
  const from = child(rs, 'BANKACCTFROM') ?? child(rs, 'CCACCTFROM') ?? child(rs, 'INVACCTFROM');
  const list = child(rs, 'BANKTRANLIST') ?? child(rs, 'INVTRANLIST');
  const ledger = child(rs, 'LEDGERBAL');
  const closingAmount = ofxAmount(text(ledger, 'BALAMT'));
  const number = text(from, 'ACCTID') ?? '';
  const statement: Statement = {
    account: {
      number,
      iban: /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(number) ? number : null,
      currency,
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
    transactions: transactionsOf(list, currency, issues),
  };
  return statement;
}

/** How many investment transactions (INVTRAN) each statement has, in file order. */
export function investmentTransactionCounts(textOfFile: string): number[] {
  const tree = ofxTree(textOfFile);
  return tree ? all(tree, 'INVSTMTRS').map((rs) => all(rs, 'INVTRAN').length) : [];
}

export function looksLikeOfx(textOfFile: string): boolean {
  const head = textOfFile.slice(0, 4096);
  return /OFXHEADER\s*[:=]/i.test(head) || /<OFX>/i.test(head);
}

export function parseOfx(textOfFile: string): ParseResult {
  const issues: Issue[] = [];
  const tree = ofxTree(textOfFile);
  if (!tree)
    return {
      format: 'ofx',
      statements: [],
      issues: [{ severity: 'error', line: null, message: 'no <OFX> element' }],
    };
  const signon = statusIssue(child(child(tree, 'SIGNONMSGSRSV1'), 'SONRS'), 'signon refused');
  if (signon) issues.push(signon);
  const statements: Statement[] = [];
  for (const wrapper of [
    ...all(tree, 'STMTTRNRS'),
    ...all(tree, 'CCSTMTTRNRS'),
    ...all(tree, 'INVSTMTTRNRS'),
  ]) {
    const failed = statusIssue(wrapper, 'statement refused');
    if (failed) issues.push(failed);
    for (const rs of wrapper.children.filter((c) => ['STMTRS', 'CCSTMTRS', 'INVSTMTRS'].includes(c.name))) {
      statements.push(statementOf(rs, issues));
    }
  }
  // Statements outside a transaction wrapper (seen in some exports).
  if (statements.length === 0)
    for (const rs of [...all(tree, 'STMTRS'), ...all(tree, 'CCSTMTRS'), ...all(tree, 'INVSTMTRS')])
      statements.push(statementOf(rs, issues));
  for (const statement of statements) {
    const mismatch = checkBalances(statement, null);
    if (mismatch) issues.push(mismatch);
  }
  return { format: 'ofx', statements, issues };
}
