// ISO 20022 cash management messages: camt.053 (statement, Stmt), camt.052 (account report, Rpt)
// and camt.054 (debit/credit notification, Ntfctn), every schema version (namespaces are ignored:
// elements are matched by local name). One transaction per entry (Ntry); batched entries keep their
// transaction details (TxDtls) as the description. Balances: opening OPBD (or PRCD), closing CLBD.
// Streaming (saxes): only the open statement's own elements are kept as a tree; each entry becomes
// a movement as soon as it closes and is then dropped.
import { SaxesParser } from 'saxes';
import {
  type Issue,
  MAX_ELEMENT_DEPTH,
  normalizeAmount,
  type ParseResult,
  type StatementTransaction,
  UnreadableFileError,
} from '../statement.ts';
import { parseWhole, type StatementHeader, type StatementSink, type TextParser } from '../stream.ts';

interface Element {
  name: string;
  /** As saxes gives them (names with their prefix, if any): read them with `attribute`. */
  attributes: Readonly<Record<string, string>>;
  children: Element[];
  text: string;
  line: number;
}

const local = (name: string) => (name.includes(':') ? name.slice(name.indexOf(':') + 1) : name);

/** An attribute by its local name ("Ccy" also finds "x:Ccy"). */
function attribute(element: Element | undefined, name: string): string | undefined {
  if (!element) return undefined;
  const attributes = element.attributes;
  if (attributes[name] !== undefined) return attributes[name];
  for (const key in attributes) if (local(key) === name) return attributes[key];
  return undefined;
}

// Plain loops: these run for every field of every entry.
function childNamed(node: Element | undefined, name: string): Element | undefined {
  if (node) for (const candidate of node.children) if (candidate.name === name) return candidate;
  return undefined;
}
const child = (node: Element | undefined, ...path: string[]): Element | undefined => at(node, path);
/** The element at the end of a path of names. */
function at(node: Element | undefined, path: readonly string[]): Element | undefined {
  let current = node;
  for (let index = 0; current && index < path.length; index += 1) current = childNamed(current, path[index]!);
  return current;
}
/** Every element named `name` under `node` (not looking inside those found). */
const all = (node: Element | undefined, name: string, found: Element[] = []): Element[] => {
  if (node)
    for (const candidate of node.children)
      if (candidate.name === name) found.push(candidate);
      else if (candidate.children.length > 0) all(candidate, name, found);
  return found;
};
/** An element's text, trimmed; null when it is missing or empty. */
const trimmed = (element: Element | undefined) => {
  const value = element?.text.trim();
  return value ? value : null;
};
const textOf = (node: Element | undefined, ...path: string[]) => trimmed(child(node, ...path));
/** Dt or DtTm → yyyy-mm-dd. */
const dateIn = (node: Element | undefined) =>
  (trimmed(childNamed(node, 'Dt')) ?? trimmed(childNamed(node, 'DtTm')))?.slice(0, 10) ?? null;

function signed(amount: string, indicator: string | null): string {
  const value = normalizeAmount(amount);
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

/** Where a transaction's counterparty is named: the creditor when money goes out, else the debtor. */
const PARTY_PATHS = {
  out: [
    ['RltdPties', 'Cdtr', 'Nm'],
    ['RltdPties', 'Cdtr', 'Pty', 'Nm'],
    ['RltdPties', 'UltmtCdtr', 'Nm'],
  ],
  in: [
    ['RltdPties', 'Dbtr', 'Nm'],
    ['RltdPties', 'Dbtr', 'Pty', 'Nm'],
    ['RltdPties', 'UltmtDbtr', 'Nm'],
  ],
} as const;
const END_TO_END_ID = ['Refs', 'EndToEndId'] as const;

function partyOf(details: Element | undefined, debit: boolean): string | null {
  for (const path of debit ? PARTY_PATHS.out : PARTY_PATHS.in) {
    const name = trimmed(at(details, path));
    if (name) return name;
  }
  return null;
}

function transactionOf(
  entry: Element,
  currency: string,
  created: string | null,
  report: (issue: Issue) => void,
): StatementTransaction | null {
  // The entry's own elements in one pass (they are looked at for every entry).
  let amountNode: Element | undefined;
  let indicatorNode: Element | undefined;
  let bookedNode: Element | undefined;
  let valueNode: Element | undefined;
  let serviceRef: Element | undefined;
  let entryRef: Element | undefined;
  let additional: Element | undefined;
  let bankCodes: Element | undefined;
  for (const element of entry.children)
    switch (element.name) {
      case 'Amt':
        amountNode ??= element;
        break;
      case 'CdtDbtInd':
        indicatorNode ??= element;
        break;
      case 'BookgDt':
        bookedNode ??= element;
        break;
      case 'ValDt':
        valueNode ??= element;
        break;
      case 'AcctSvcrRef':
        serviceRef ??= element;
        break;
      case 'NtryRef':
        entryRef ??= element;
        break;
      case 'AddtlNtryInf':
        additional ??= element;
        break;
      case 'BkTxCd':
        bankCodes ??= element;
        break;
    }
  const amount = trimmed(amountNode);
  const indicator = trimmed(indicatorNode);
  const valueDate = dateIn(valueNode);
  let booking = dateIn(bookedNode) ?? valueDate;
  // A notification may carry neither date: it is about the day the message was created.
  if (!booking && created) {
    booking = created;
    report({
      severity: 'warning',
      line: entry.line,
      message: `entry without a booking or value date: dated ${created}, the message's creation date`,
    });
  }
  if (!amount || !/^\d+(\.\d+)?$/.test(amount) || !booking) {
    report({
      severity: 'error',
      line: entry.line,
      message: `entry skipped: ${!booking ? 'no booking or value date' : `amount "${amount ?? ''}"`}`,
    });
    return null;
  }
  const details = all(entry, 'TxDtls');
  let remittance = '';
  for (const detail of details)
    for (const line of all(childNamed(detail, 'RmtInf'), 'Ustrd')) {
      const text = line.text.trim();
      if (text) remittance = remittance ? `${remittance} ${text}` : text;
    }
  const counterparty = partyOf(details[0], indicator === 'DBIT');
  const domain = childNamed(bankCodes, 'Domn');
  const bankCode =
    (domain
      ? [textOf(domain, 'Cd'), textOf(domain, 'Fmly', 'Cd'), textOf(domain, 'Fmly', 'SubFmlyCd')]
          .filter(Boolean)
          .join('/')
      : null) || textOf(bankCodes, 'Prtry', 'Cd');
  return {
    sourceId: trimmed(serviceRef) ?? trimmed(entryRef),
    bookingDate: booking,
    valueDate,
    amount: signed(amount, indicator),
    currency: attribute(amountNode, 'Ccy') ?? currency,
    description: remittance || trimmed(additional) || counterparty || '',
    counterparty,
    reference: trimmed(at(details[0], END_TO_END_ID)),
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

const STATEMENT = new Set(['Stmt', 'Rpt', 'Ntfctn']);
const ACTED_ON = new Set([...STATEMENT, 'Ntry', 'CreDtTm']);

function headerOf(node: Element, currency: string): StatementHeader {
  const account = child(node, 'Acct');
  const iban = textOf(account, 'Id', 'IBAN');
  return {
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
  };
}

export class CamtParser implements TextParser {
  readonly #sink: StatementSink;
  readonly #xml = new SaxesParser({ position: true });
  readonly #stack: Element[] = [{ name: '#root', attributes: {}, children: [], text: '', line: 1 }];
  #created: string | null = null;
  #messages = 0;
  #failed = false;
  #first = true;
  /** The currency of the open statement, fixed when its first entry is read. */
  #currency: string | null = null;
  readonly #report = (issue: Issue) => this.#sink.issue(issue);

  constructor(sink: StatementSink) {
    this.#sink = sink;
    const xml = this.#xml;
    xml.on('opentag', (tag) => {
      const element: Element = {
        name: local(tag.name),
        // Kept as they are (no namespaces: plain strings); only an amount's currency is ever read.
        attributes: tag.attributes as Record<string, string>,
        children: [],
        text: '',
        line: xml.line,
      };
      if (element.name.startsWith('BkToCstmr')) this.#messages += 1;
      // The element tree is walked recursively: a depth no statement has is refused first.
      if (this.#stack.length > MAX_ELEMENT_DEPTH)
        throw new UnreadableFileError(
          `elements are nested more than ${MAX_ELEMENT_DEPTH} deep (line ${xml.line})`,
        );
      this.#stack[this.#stack.length - 1]!.children.push(element);
      if (!tag.isSelfClosing) this.#stack.push(element);
      else this.#closed(element);
    });
    // Only a leaf's text is ever read (camt has no mixed content): the line breaks between an
    // aggregate's children are dropped, or a statement would gather one per entry.
    const onText = (value: string) => {
      const element = this.#stack[this.#stack.length - 1]!;
      if (element.children.length === 0) element.text += value;
    };
    xml.on('text', onText);
    xml.on('cdata', onText);
    xml.on('closetag', (tag) => {
      if (tag.isSelfClosing) return;
      const element = this.#stack.pop()!;
      // Only these elements are acted on when they close (most elements are a leaf of an entry).
      if (ACTED_ON.has(element.name)) this.#closed(element);
    });
    xml.on('error', (error) => {
      if (!this.#failed)
        sink.issue({ severity: 'error', line: xml.line, message: `not well-formed XML: ${error.message}` });
      this.#failed = true;
    });
  }

  write(text: string): void {
    if (this.#first) text = text.replace(/^\uFEFF/, '');
    this.#first = false;
    if (!this.#failed) this.#xml.write(text);
  }

  close(): void {
    if (!this.#failed) this.#xml.close();
    if (!this.#failed && this.#messages === 0)
      this.#sink.issue({ severity: 'error', line: null, message: 'no camt.052/053/054 message' });
  }

  #closed(element: Element): void {
    if (this.#failed) return;
    const parent = this.#stack[this.#stack.length - 1]!;
    if (element.name === 'CreDtTm' && parent.name === 'GrpHdr')
      this.#created ??= element.text.trim().slice(0, 10) || null;
    else if (element.name === 'Ntry' && STATEMENT.has(parent.name)) {
      if (this.#currency === null) {
        this.#currency = textOf(parent, 'Acct', 'Ccy') ?? attribute(all(parent, 'Amt')[0], 'Ccy') ?? 'XXX';
        this.#sink.begin(headerOf(parent, this.#currency), parent.line);
      }
      const transaction = transactionOf(element, this.#currency, this.#created, this.#report);
      if (transaction) this.#sink.transaction(transaction);
      parent.children.pop();
    } else if (STATEMENT.has(element.name) && parent.name.startsWith('BkToCstmr')) {
      if (this.#currency === null) {
        this.#currency = textOf(element, 'Acct', 'Ccy') ?? attribute(all(element, 'Amt')[0], 'Ccy') ?? 'XXX';
        this.#sink.begin(headerOf(element, this.#currency), element.line);
      }
      this.#sink.end(headerOf(element, this.#currency), element.line);
      this.#currency = null;
      parent.children.pop();
    }
  }
}

export function parseCamt(text: string): ParseResult {
  return parseWhole('camt', (sink) => new CamtParser(sink), text);
}
