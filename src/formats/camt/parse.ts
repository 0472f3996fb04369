// ISO 20022 cash management messages: camt.053 (statement, Stmt), camt.052 (account report, Rpt)
// and camt.054 (debit/credit notification, Ntfctn), every schema version (namespaces are ignored:
// elements are matched by local name). One transaction per entry (Ntry); batched entries keep their
// transaction details (TxDtls) as the description. Balances: opening OPBD (or PRCD), closing CLBD.
import { SaxesParser } from 'saxes';
import { checkBalances, type Issue, type ParseResult, type Statement, sumAmounts } from '../statement.ts';

interface Element {
  name: string;
  attributes: Record<string, string>;
  children: Element[];
  text: string;
  line: number;
}

const local = (name: string) => name.slice(name.indexOf(':') + 1);

/** The document as a tree of elements with local names; XML errors become issues. */
function readXml(text: string, issues: Issue[]): Element | null {
  const root: Element = { name: '#root', attributes: {}, children: [], text: '', line: 1 };
  const stack: Element[] = [root];
  const parser = new SaxesParser({ position: true });
  parser.on('opentag', (tag) => {
    const element: Element = {
      name: local(tag.name),
      attributes: Object.fromEntries(
        Object.entries(tag.attributes).map(([key, value]) => [local(key), String(value)]),
      ),
      children: [],
      text: '',
      line: parser.line,
    };
    stack.at(-1)!.children.push(element);
    if (!tag.isSelfClosing) stack.push(element);
  });
  parser.on('text', (value) => {
    stack.at(-1)!.text += value;
  });
  parser.on('cdata', (value) => {
    stack.at(-1)!.text += value;
  });
  parser.on('closetag', (tag) => {
    if (!tag.isSelfClosing) stack.pop();
  });
  let failed = false;
  parser.on('error', (error) => {
    if (!failed)
      issues.push({ severity: 'error', line: parser.line, message: `not well-formed XML: ${error.message}` });
    failed = true;
  });
  parser.write(text.replace(/^\uFEFF/, '')).close();
  return failed ? null : root;
}

const child = (node: Element | undefined, ...path: string[]): Element | undefined => {
  let current = node;
  for (const name of path) current = current?.children.find((c) => c.name === name);
  return current;
};
const all = (node: Element | undefined, name: string): Element[] =>
  node ? node.children.flatMap((c) => (c.name === name ? [c] : all(c, name))) : [];
const textOf = (node: Element | undefined, ...path: string[]) => {
  const value = child(node, ...path)?.text.trim();
  return value ? value : null;
};
/** Dt or DtTm → yyyy-mm-dd. */
const dateIn = (node: Element | undefined) =>
  (textOf(node, 'Dt') ?? textOf(node, 'DtTm'))?.slice(0, 10) ?? null;

function signed(amount: string, indicator: string | null): string {
  const value = sumAmounts([amount]);
  return indicator === 'DBIT' && value !== '0' ? `-${value}` : value;
}

function balanceOf(statement: Element, codes: string[]) {
  for (const code of codes) {
    const balance = all(statement, 'Bal').find((b) => textOf(b, 'Tp', 'CdOrPrtry', 'Cd') === code);
    const amount = textOf(balance, 'Amt');
    if (balance && amount)
      return { amount: signed(amount, textOf(balance, 'CdtDbtInd')), date: dateIn(child(balance, 'Dt')) };
  }
  return null;
}

function transactionOf(entry: Element, currency: string, created: string | null, issues: Issue[]) {
  const amount = textOf(entry, 'Amt');
  const indicator = textOf(entry, 'CdtDbtInd');
  let booking = dateIn(child(entry, 'BookgDt')) ?? dateIn(child(entry, 'ValDt'));
  // A notification may carry neither date: it is about the day the message was created.
  if (!booking && created) {
    booking = created;
    issues.push({
      severity: 'warning',
      line: entry.line,
      message: `entry without a booking or value date: dated ${created}, the message's creation date`,
    });
  }
  if (!amount || !/^\d+(\.\d+)?$/.test(amount) || !booking) {
    issues.push({
      severity: 'error',
      line: entry.line,
      message: `entry skipped: ${!booking ? 'no booking or value date' : `amount "${amount ?? ''}"`}`,
    });
    return null;
  }
  const details = all(entry, 'TxDtls');
  const debit = indicator === 'DBIT';
  const party = (d: Element | undefined) =>
    textOf(d, 'RltdPties', debit ? 'Cdtr' : 'Dbtr', 'Nm') ??
    textOf(d, 'RltdPties', debit ? 'Cdtr' : 'Dbtr', 'Pty', 'Nm') ??
    textOf(d, 'RltdPties', debit ? 'UltmtCdtr' : 'UltmtDbtr', 'Nm');
  const remittance = details
    .flatMap((d) => all(child(d, 'RmtInf'), 'Ustrd').map((u) => u.text.trim()))
    .filter(Boolean);
  const counterparty = party(details[0]);
  const domain = child(entry, 'BkTxCd', 'Domn');
  const bankCode =
    (domain
      ? [textOf(domain, 'Cd'), textOf(domain, 'Fmly', 'Cd'), textOf(domain, 'Fmly', 'SubFmlyCd')]
          .filter(Boolean)
          .join('/')
      : null) || textOf(entry, 'BkTxCd', 'Prtry', 'Cd');
  return {
    sourceId: textOf(entry, 'AcctSvcrRef') ?? textOf(entry, 'NtryRef'),
    bookingDate: booking,
    valueDate: dateIn(child(entry, 'ValDt')),
    amount: signed(amount, indicator),
    currency: child(entry, 'Amt')?.attributes.Ccy ?? currency,
    description: [remittance.join(' '), textOf(entry, 'AddtlNtryInf')].find(Boolean) ?? counterparty ?? '',
    counterparty,
    reference: textOf(details[0], 'Refs', 'EndToEndId') ?? null,
    bankCode: bankCode || null,
    line: entry.line,
  };
}

export function looksLikeCamt(text: string): boolean {
  const head = text.slice(0, 4096);
  return (
    /urn:iso:std:iso:20022:tech:xsd:camt\.05[234]/.test(head) ||
    /<(\w+:)?BkToCstmr(Stmt|AcctRpt|DbtCdtNtfctn)>/.test(text.slice(0, 65536))
  );
}

export function parseCamt(text: string): ParseResult {
  const issues: Issue[] = [];
  const root = readXml(text, issues);
  const statements: Statement[] = [];
  // Version 1 names the message with its version (BkToCstmrAcctRptV01); later ones do not.
  const document = root?.children.find((c) => c.name === 'Document') ?? root;
  const messages = document?.children.filter((c) => c.name.startsWith('BkToCstmr')) ?? [];
  const created = textOf(messages[0], 'GrpHdr', 'CreDtTm')?.slice(0, 10) ?? null;
  if (root && messages.length === 0)
    issues.push({ severity: 'error', line: null, message: 'no camt.052/053/054 message' });
  for (const message of messages) {
    for (const node of message.children.filter((c) => /^(Stmt|Rpt|Ntfctn)$/.test(c.name))) {
      const account = child(node, 'Acct');
      const currency = textOf(account, 'Ccy') ?? all(node, 'Amt')[0]?.attributes.Ccy ?? 'XXX';
      const iban = textOf(account, 'Id', 'IBAN');
      const statement: Statement = {
        account: {
          number: iban ?? textOf(account, 'Id', 'Othr', 'Id') ?? '',
          iban,
          currency,
          name: textOf(account, 'Nm') ?? textOf(account, 'Ownr', 'Nm'),
          bankCode:
            textOf(account, 'Svcr', 'FinInstnId', 'BIC') ?? textOf(account, 'Svcr', 'FinInstnId', 'BICFI'),
          branchCode: null,
        },
        startDate: textOf(node, 'FrToDt', 'FrDtTm')?.slice(0, 10) ?? null,
        endDate: textOf(node, 'FrToDt', 'ToDtTm')?.slice(0, 10) ?? null,
        opening: balanceOf(node, ['OPBD', 'PRCD']),
        closing: balanceOf(node, ['CLBD']),
        transactions: node.children
          .filter((c) => c.name === 'Ntry')
          .flatMap((entry) => transactionOf(entry, currency, created, issues) ?? []),
      };
      const mismatch = checkBalances(statement, node.line);
      if (mismatch) issues.push(mismatch);
      statements.push(statement);
    }
  }
  return { format: 'camt', statements, issues };
}
