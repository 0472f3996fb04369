// Norma 43 (AEB Cuaderno 43, CSB43): the Spanish banks' account statement. Fixed 80-character
// records: 11 opens an account (balance, dates, currency), 22 is a movement, 23 adds up to two
// 38-character concept lines to it, 24 its foreign-currency equivalent, 33 closes the account
// (totals and final balance) and 88 ends the file. Lines shorter than 80 characters are read as if
// padded with spaces; amounts have 2 implied decimals; "1" = debit, "2" = credit; dates YYMMDD.
import { cachedByText, impliedDecimal, type ParseResult, type StatementTransaction } from '../statement.ts';
import {
  LineSplitter,
  parseWhole,
  type StatementHeader,
  type StatementSink,
  type TextParser,
} from '../stream.ts';

/** ISO 4217 numeric codes seen in Norma 43 files. */
const currencies: Record<string, string> = {
  '978': 'EUR',
  '840': 'USD',
  '826': 'GBP',
  '756': 'CHF',
  '392': 'JPY',
};

/** The AEB common concept codes (two digits), in Spanish as the banks print them. */
export const norma43Concepts: Record<string, string> = {
  '01': 'Talones - reintegros',
  '02': 'Abonarés - entregas - ingresos',
  '03': 'Domiciliados - recibos - letras - pagos por su cuenta',
  '04': 'Giros - transferencias - traspasos - cheques',
  '05': 'Amortizaciones de préstamos, créditos, etc.',
  '06': 'Remesas de efectos',
  '07': 'Suscripciones - dividendos pasivos - canjes',
  '08': 'Dividendos - cupones - primas de junta - amortizaciones',
  '09': 'Operaciones de bolsa y compraventa de valores',
  '10': 'Cheques de gasolina',
  '11': 'Cajero automático',
  '12': 'Tarjetas de crédito - tarjetas de débito',
  '13': 'Operaciones con el extranjero',
  '14': 'Devoluciones e impagados',
  '15': 'Nóminas - seguros sociales',
  '16': 'Timbres - corretajes - pólizas',
  '17': 'Intereses - comisiones - custodia - gastos e impuestos',
  '98': 'Anulaciones - correcciones de asiento',
  '99': 'Varios',
};

/** Characters `from`–`to` of a record; unpadded lines read as if padded with spaces to 80. */
const field = (record: string, from: number, to: number) =>
  record.length >= to ? record.slice(from, to) : record.padEnd(80, ' ').slice(from, to);

/** YYMMDD → yyyy-mm-dd (years 80–99 are 19xx), or null when it is not a date. */
const dateOf = cachedByText((text: string): string | null => {
  if (!/^\d{6}$/.test(text)) return null;
  const yy = Number(text.slice(0, 2));
  const iso = `${yy >= 80 ? 1900 + yy : 2000 + yy}-${text.slice(2, 4)}-${text.slice(4, 6)}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : iso;
});

interface Open {
  statement: StatementHeader;
  concepts: string[];
  line: number;
}

/** Streaming: a file of any size needs only the current account and movement. */
export class Norma43Parser implements TextParser {
  readonly #sink: StatementSink;
  readonly #lines = new LineSplitter((text, line) => this.#record(line, text));
  #open: Open | null = null;
  #current: StatementTransaction | null = null;
  #sawEnd = false;
  /** After a movement that could not be read, its 23/24 records are skipped without more errors. */
  #skipping = false;

  constructor(sink: StatementSink) {
    this.#sink = sink;
  }

  write(text: string): void {
    this.#lines.write(text);
  }

  #error(line: number, message: string) {
    this.#sink.issue({ severity: 'error', line, message });
  }

  #flushMovement() {
    if (this.#current && this.#open) {
      const concepts = this.#open.concepts.map((c) => c.trim()).filter(Boolean);
      if (concepts.length > 0) this.#current.description = concepts.join(' ');
      this.#sink.transaction(this.#current);
    }
    this.#current = null;
    if (this.#open) this.#open.concepts = [];
  }

  #record(line: number, text: string): void {
    const record = text.trimEnd();
    if (record === '') return;
    const code = record.slice(0, 2);
    switch (code) {
      case '11': {
        this.#flushMovement();
        if (this.#open) this.#error(this.#open.line, 'account without its closing record 33');
        const currency = currencies[field(record, 47, 50)] ?? field(record, 47, 50);
        const start = dateOf(field(record, 20, 26));
        const amountDigits = field(record, 33, 47);
        if (!/^\d{14}$/.test(amountDigits))
          this.#error(line, 'record 11: the initial balance is not a number');
        this.#open = {
          line,
          concepts: [],
          statement: {
            account: {
              number: `${field(record, 2, 6)}${field(record, 6, 10)}${field(record, 10, 20)}`,
              iban: null,
              currency,
              name: field(record, 51, 77).trim() || null,
              bankCode: field(record, 2, 6),
              branchCode: field(record, 6, 10),
            },
            startDate: start,
            endDate: dateOf(field(record, 26, 32)),
            opening: { amount: impliedDecimal(amountDigits, 2, field(record, 32, 33) === '1'), date: start },
            closing: null,
          },
        };
        this.#sink.begin(this.#open.statement, line);
        return;
      }
      case '22': {
        if (!this.#open) {
          this.#error(line, 'movement (22) outside an account (11)');
          return;
        }
        this.#flushMovement();
        this.#skipping = true;
        const booking = dateOf(field(record, 10, 16));
        const amountDigits = field(record, 28, 42);
        const sign = field(record, 27, 28);
        if (!booking) {
          this.#error(line, 'record 22: the operation date is not a date');
          return;
        }
        if (!/^\d{14}$/.test(amountDigits) || (sign !== '1' && sign !== '2')) {
          this.#error(line, 'record 22: the amount or its debit/credit mark is not valid');
          return;
        }
        const common = field(record, 22, 24);
        const own = field(record, 24, 27);
        const references = [field(record, 52, 64).trim(), field(record, 64, 80).trim()].filter(Boolean);
        this.#skipping = false;
        this.#current = {
          sourceId: null,
          bookingDate: booking,
          valueDate: dateOf(field(record, 16, 22)),
          amount: impliedDecimal(amountDigits, 2, sign === '1'),
          currency: this.#open.statement.account.currency,
          description: norma43Concepts[common] ?? `Concepto ${common}`,
          counterparty: null,
          reference: references.join(' ') || null,
          bankCode: `${common}${own.trim() ? `-${own}` : ''}`,
          line,
        };
        return;
      }
      case '23': {
        if (this.#skipping) return;
        if (!this.#current || !this.#open) {
          this.#error(line, 'concept (23) without its movement (22)');
          return;
        }
        this.#open.concepts.push(field(record, 4, 42), field(record, 42, 80));
        return;
      }
      case '24':
        if (!this.#current && !this.#skipping)
          this.#error(line, 'currency equivalence (24) without its movement (22)');
        return;
      case '33': {
        if (!this.#open) {
          this.#error(line, 'closing record (33) without an account (11)');
          return;
        }
        this.#flushMovement();
        this.#skipping = false;
        const statement = this.#open.statement;
        const digits = field(record, 59, 73);
        if (/^\d{14}$/.test(digits))
          statement.closing = {
            amount: impliedDecimal(digits, 2, field(record, 58, 59) === '1'),
            date: statement.endDate,
          };
        else this.#error(line, 'record 33: the final balance is not a number');
        this.#sink.end(statement, line);
        this.#open = null;
        return;
      }
      case '88':
        this.#flushMovement();
        this.#sawEnd = true;
        return;
      default:
        this.#error(line, `unknown record type "${code}"`);
    }
  }

  close(): void {
    this.#lines.close();
    const lastLine = this.#lines.lines;
    this.#flushMovement();
    // A file cut before its 33 record still has whole movements: keep them, closing balance unknown.
    if (this.#open) {
      this.#sink.issue({
        severity: 'warning',
        line: this.#open.line,
        message: 'the last account has no closing record 33: its closing balance is unknown',
      });
      this.#sink.end(this.#open.statement, null);
      this.#open = null;
    }
    if (!this.#sawEnd)
      this.#sink.issue({ severity: 'warning', line: lastLine, message: 'no end-of-file record 88' });
  }
}

/** True when the text looks like Norma 43: the first record is an account header of the right shape. */
export function looksLikeNorma43(text: string): boolean {
  return /^11\d{30}[12]\d{14}\d{3}/.test(text.trimStart());
}

export function parseNorma43(text: string): ParseResult {
  return parseWhole('norma43', (sink) => new Norma43Parser(sink), text);
}
