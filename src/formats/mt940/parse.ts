// SWIFT MT940 (customer statement) and MT942 (interim report). A message is a list of fields
// (":20:", ":25:", ":60F:", ":61:", ":86:", ":62F:", …), each running until the next field; SWIFT
// block wrappers ({1:…}{2:…}{4:) and the "-" end markers are skipped. Each :20: starts a
// statement. :61: is a movement (value date, optional MMDD entry date, D/C/RD/RC mark, amount with a
// decimal comma, type, references); the :86: after it describes it, in the German ?20–?63
// sub-field dialect, the Dutch /TRTP/…/NAME/…/REMI/… one, or free text.
import { checkBalances, type Issue, type ParseResult, type Statement, sumAmounts } from '../statement.ts';

interface Field {
  tag: string;
  value: string;
  line: number;
}

/** The fields of the file, with the line each starts on. */
export function mt940Fields(text: string): Field[] {
  const fields: Field[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((raw, index) => {
    const line = raw.replace(/^\{[1-5]:[^}]*\}*/g, '').replace(/^\{4:\s*$/, '');
    const match = /^:(\d{2}[A-Z]?):(.*)$/.exec(line);
    if (match) fields.push({ tag: match[1]!, value: match[2]!, line: index + 1 });
    else if (/^-\}?\s*$/.test(line) || /^\{/.test(raw) || line.trim() === '') return;
    else if (fields.length > 0) fields.at(-1)!.value += `\n${line}`;
  });
  return fields;
}

/**
 * YYMMDD → yyyy-mm-dd, or null when it is not a date. Banks that count interest on 30-day months
 * write value dates such as February 30: those are read as the month's last day.
 */
function dateOf(text: string): string | null {
  if (!/^\d{6}$/.test(text)) return null;
  const year = 2000 + Number(text.slice(0, 2));
  const month = Number(text.slice(2, 4));
  const day = Number(text.slice(4, 6));
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${String(Math.min(day, last)).padStart(2, '0')}`;
}

const amountOf = (text: string) => sumAmounts([(text.endsWith(',') ? `${text}0` : text).replace(',', '.')]);

/** :60F:/:62F: "C140220EUR662,23" → signed amount, date, currency. */
function balanceOf(value: string) {
  const match = /^([CD])(\d{6})([A-Z]{3})(\d[\d,]*)/.exec(value.trim());
  if (!match) return null;
  const amount = amountOf(match[4]!);
  return {
    amount: match[1] === 'D' && amount !== '0' ? `-${amount}` : amount,
    date: dateOf(match[2]!),
    currency: match[3]!,
  };
}

/** The readable parts of a :86: field: description, counterparty, its account. */
export function describe86(raw: string): { description: string; counterparty: string | null } {
  const value = raw.replace(/\n/g, '');
  if (/^\d{3}\?/.test(value) || /\?2\d/.test(value)) {
    // German: ?00 posting text, ?20–?29 and ?60–?63 purpose, ?32–?33 counterparty name.
    const parts = new Map<string, string>();
    for (const match of value.matchAll(/\?(\d{2})([^?]*)/g))
      parts.set(match[1]!, (parts.get(match[1]!) ?? '') + match[2]!);
    const purpose = [...parts.entries()]
      .filter(([code]) => (code >= '20' && code <= '29') || (code >= '60' && code <= '63'))
      .map(([, text]) => text)
      .join('')
      .trim();
    const name = `${parts.get('32') ?? ''}${parts.get('33') ?? ''}`.trim() || null;
    return { description: purpose || parts.get('00')?.trim() || value, counterparty: name };
  }
  if (/\/(TRTP|NAME|REMI|EREF)\//.test(value)) {
    const part = (key: string) =>
      new RegExp(`/${key}/(.*?)(?=/[A-Z]{3,4}/|$)`).exec(value)?.[1]?.trim() || null;
    const remi = part('REMI')?.replace(/^USTD\/\/|^STRD\/CUR\/\/?/, '') ?? null;
    return { description: remi ?? part('TRTP') ?? value, counterparty: part('NAME') };
  }
  return { description: raw.replace(/\n/g, ' ').trim(), counterparty: null };
}

export function looksLikeMt940(text: string): boolean {
  const head = text.slice(0, 8192);
  return /^:20:/m.test(head) && /^:(25|60F|60M|61|62F):/m.test(head);
}

export function parseMt940(text: string): ParseResult {
  const issues: Issue[] = [];
  const statements: Statement[] = [];
  let current: Statement | null = null;
  /** The statement being read; fields before any :20: make a statement of their own (a fragment). */
  const open = (): Statement => {
    if (current) return current;
    current = {
      account: { number: '', iban: null, currency: 'XXX', name: null, bankCode: null, branchCode: null },
      startDate: null,
      endDate: null,
      opening: null,
      closing: null,
      transactions: [],
    };
    statements.push(current);
    return current;
  };
  const fields = mt940Fields(text);
  // Nothing to read is no statement (the import refuses a file without statements).
  if (fields.length === 0) return { format: 'mt940', statements: [], issues: [] };
  for (const field of fields) {
    if (field.tag === '20') {
      current = null;
      open();
      continue;
    }
    const statement = open();
    switch (field.tag) {
      case '25': {
        const id = field.value.trim();
        statement.account.number = id;
        statement.account.iban = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}/.exec(id.replace(/\s/g, ''))?.[0] ?? null;
        break;
      }
      case '60F':
      case '60M': {
        const balance = balanceOf(field.value);
        if (!balance)
          issues.push({ severity: 'error', line: field.line, message: `:${field.tag}: is not a balance` });
        else if (!statement.opening) {
          statement.opening = { amount: balance.amount, date: balance.date };
          statement.account.currency = balance.currency;
          statement.startDate = balance.date;
        }
        break;
      }
      case '62F':
      case '62M': {
        const balance = balanceOf(field.value);
        if (!balance)
          issues.push({ severity: 'error', line: field.line, message: `:${field.tag}: is not a balance` });
        else {
          statement.closing = { amount: balance.amount, date: balance.date };
          statement.endDate = balance.date;
          if (statement.account.currency === 'XXX') statement.account.currency = balance.currency;
        }
        break;
      }
      case '61': {
        const pattern = /^(\d{6})(\d{4}| {4})?(RC|RD|EC|ED|C|D)([A-Z]?)(\d[\d,]*)([NFS][A-Z0-9]{3})?(.*)$/;
        let [first = '', ...rest] = field.value.split('\n');
        let match = pattern.exec(first);
        // Some banks wrap the amount onto the next line.
        if (!match && rest.length > 0) {
          first = `${first}${rest[0]}`;
          rest = rest.slice(1);
          match = pattern.exec(first);
        }
        const valueDate = match ? dateOf(match[1]!) : null;
        if (!match || !valueDate) {
          issues.push({ severity: 'error', line: field.line, message: `:61: "${first}" is not a movement` });
          break;
        }
        const mark = match[3]!;
        const amount = amountOf(match[5]!);
        // D and RC (reversal of a credit) take money out; C and RD put it back.
        const negative = mark === 'D' || mark === 'RC' || mark === 'ED';
        let booking: string | null = null;
        const mmdd = match[2]?.trim();
        if (mmdd) {
          const year = Number(valueDate.slice(0, 4));
          const entry = (y: number) => dateOf(`${String(y).slice(2)}${mmdd}`);
          booking = entry(year);
          // December value date, January entry date (or the reverse): the entry is in the next (previous) year.
          if (booking && valueDate.slice(5, 7) === '12' && mmdd.startsWith('01')) booking = entry(year + 1);
          if (booking && valueDate.slice(5, 7) === '01' && mmdd.startsWith('12')) booking = entry(year - 1);
        }
        const [ownerRef, bankRef] = (match[7] ?? '').split('//');
        statement.transactions.push({
          sourceId: null,
          bookingDate: booking ?? valueDate,
          valueDate,
          amount: negative && amount !== '0' ? `-${amount}` : amount,
          currency: statement.account.currency,
          description: rest.join(' ').trim() || match[6] || '',
          counterparty: null,
          reference: [ownerRef?.trim(), bankRef?.trim()].filter((r) => r && r !== 'NONREF').join(' ') || null,
          bankCode: match[6] ?? null,
          line: field.line,
        });
        break;
      }
      case '86': {
        const last = statement.transactions.at(-1);
        if (last && last.line < field.line) {
          const { description, counterparty } = describe86(field.value);
          last.description = description || last.description;
          last.counterparty = counterparty;
        }
        break;
      }
      default:
        break;
    }
  }
  for (const statement of statements) {
    const mismatch = checkBalances(statement, null);
    if (mismatch) issues.push(mismatch);
  }
  return { format: 'mt940', statements, issues };
}
