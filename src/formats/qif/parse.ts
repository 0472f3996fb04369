// QIF (Quicken Interchange Format): "!Type:Bank|Cash|CCard|Invst|Oth A|Oth L" sections of records,
// one field per line (D date, T/U amount, P payee, M memo, N number, L category, S/E/$ splits),
// each record ended by "^". "!Account" blocks name the account; category and class lists are
// skipped. QIF writes dates in the order of the exporter's locale, so the order (month/day/year,
// day/month/year or year/month/day) is chosen once for the whole file: the one under which every
// date is valid and the dates span the shortest time. QIF has no currency and no balances.
import {
  type Issue,
  type ParseResult,
  type Statement,
  type StatementTransaction,
  sumAmounts,
} from '../statement.ts';

const TRANSACTION_SECTIONS = /^!Type:(Bank|Cash|CCard|Invst|Oth A|Oth L)\s*$/i;

type Order = 'mdy' | 'dmy' | 'ymd';

function partsOf(raw: string): [string, string, string] | null {
  const parts = raw
    .trim()
    .replace(/'\s*/, '/')
    .split(/[/.-]/)
    .map((p) => p.trim());
  return parts.length === 3 && parts.every((p) => /^\d{1,4}$/.test(p))
    ? (parts as [string, string, string])
    : null;
}

const fullYear = (y: string) => (y.length === 4 ? Number(y) : Number(y) + (Number(y) < 70 ? 2000 : 1900));

/** A QIF date read in `order`, or null when it is not a real date that way. */
export function qifDate(raw: string, order: Order): string | null {
  const parts = partsOf(raw);
  if (!parts) return null;
  const [a, b, c] = parts;
  const [y, m, d] =
    a.length === 4
      ? [fullYear(a), Number(b), Number(c)]
      : order === 'mdy'
        ? [fullYear(c), Number(a), Number(b)]
        : order === 'dmy'
          ? [fullYear(c), Number(b), Number(a)]
          : [fullYear(a), Number(b), Number(c)];
  const iso = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : iso;
}

/** The date order under which every date is valid and the dates are closest together. */
export function chooseDateOrder(raws: readonly string[]): Order | null {
  let best: { order: Order; span: number } | null = null;
  for (const order of ['mdy', 'dmy', 'ymd'] as const) {
    const dates = raws.map((raw) => qifDate(raw, order));
    if (dates.some((d) => d === null)) continue;
    const times = dates.map((d) => Date.parse(d!));
    const span = times.length ? Math.max(...times) - Math.min(...times) : 0;
    if (!best || span < best.span) best = { order, span };
  }
  return best?.order ?? null;
}

/** "-1,000.00", "1.000,00", "1 000,00" → decimal string, or null. */
export function qifAmount(raw: string): string | null {
  let v = raw.trim().replace(/[\s']/g, '');
  if (/^[-+]?\d{1,3}(\.\d{3})*,\d+$/.test(v)) v = v.replaceAll('.', '').replace(',', '.');
  else v = v.replaceAll(',', '');
  return /^[-+]?(\d+\.?\d*|\.\d+)$/.test(v)
    ? sumAmounts([v.replace(/^\+/, '').replace(/^(-?)\./, '$10.')])
    : null;
}

interface RawRecord {
  fields: Map<string, string>;
  line: number;
}

export function looksLikeQif(text: string): boolean {
  return /^\s*!(Type:|Account|Option:|Clear:)/i.test(text.replace(/^\uFEFF/, ''));
}

export function parseQif(text: string): ParseResult {
  const issues: Issue[] = [];
  const sections: Array<{ account: string | null; records: RawRecord[] }> = [];
  let account: string | null = null;
  let mode: 'transactions' | 'account' | 'skip' = 'skip';
  let current: RawRecord | null = null;
  text.split(/\r\n|\n|\r/).forEach((raw, index) => {
    const line = raw.replace(/\s+$/, '');
    if (line === '') return;
    if (line.startsWith('!')) {
      current = null;
      if (/^!Account/i.test(line)) mode = 'account';
      else if (TRANSACTION_SECTIONS.test(line)) {
        mode = 'transactions';
        sections.push({ account, records: [] });
      } else if (/^!Option|^!Clear/i.test(line)) return;
      else mode = 'skip';
      return;
    }
    if (line.startsWith('^')) {
      if (mode === 'transactions' && current) sections.at(-1)!.records.push(current);
      current = null;
      return;
    }
    const code = line[0]!;
    const value = line.slice(1);
    if (mode === 'account') {
      if (code === 'N') account = value.trim();
      return;
    }
    if (mode !== 'transactions') return;
    current ??= { fields: new Map(), line: index + 1 };
    // Split lines (S, E, $) repeat; the record's own fields come first and win.
    if (!current.fields.has(code)) current.fields.set(code, value);
  });
  const dateRaws = sections.flatMap((s) => s.records.map((r) => r.fields.get('D') ?? ''));
  const order = chooseDateOrder(dateRaws.filter(Boolean));
  if (!order && dateRaws.length > 0)
    issues.push({
      severity: 'error',
      line: null,
      message: 'the dates cannot all be read in one day/month/year order',
    });
  const statements: Statement[] = sections.map((section) => {
    const transactions: StatementTransaction[] = [];
    for (const record of section.records) {
      const rawDate = record.fields.get('D');
      const rawAmount = record.fields.get('T') ?? record.fields.get('U');
      const date = rawDate && order ? qifDate(rawDate, order) : null;
      const amount = rawAmount ? qifAmount(rawAmount) : null;
      if (!date || amount === null) {
        if (order)
          issues.push({
            severity: 'error',
            line: record.line,
            message: `record skipped: ${!date ? `date "${rawDate ?? ''}"` : `amount "${rawAmount ?? ''}"`} is not valid`,
          });
        continue;
      }
      const payee = record.fields.get('P')?.trim() || null;
      const security = record.fields.get('Y')?.trim();
      const action = record.fields.get('N')?.trim();
      const memo = record.fields.get('M')?.trim() || null;
      transactions.push({
        sourceId: null,
        bookingDate: date,
        valueDate: null,
        amount,
        currency: 'XXX',
        description:
          (security ? `${action ?? ''} ${security}`.trim() : [payee, memo].filter(Boolean).join(' — ')) ||
          memo ||
          '',
        counterparty: payee,
        reference: security ? null : (action ?? null),
        bankCode: record.fields.get('L')?.trim() || null,
        line: record.line,
      });
    }
    return {
      account: {
        number: section.account ?? 'QIF',
        iban: null,
        currency: 'XXX',
        name: section.account,
        bankCode: null,
        branchCode: null,
      },
      startDate: null,
      endDate: null,
      opening: null,
      closing: null,
      transactions,
    };
  });
  if (statements.length > 0)
    issues.push({
      severity: 'warning',
      line: null,
      message: 'QIF carries no currency and no balances (currency XXX until one is given)',
    });
  return { format: 'qif', statements, issues };
}
