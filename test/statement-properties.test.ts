// Property-based statements (fast-check): statements are generated (account, opening balance,
// movements with dates, signed amounts and texts, repeated movements included), written in each
// format in several dialects, imported through POST /v1/imports as a client sends them (no format
// given), and what is stored must be exactly what was generated: one account, its currency and
// closing balance, and every movement's date, amount and text, duplicates kept.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { norma43File } from './helpers/norma43.ts';

let ctx: TestContext;
let token: string;

before(async () => {
  ctx = await buildTestContext();
  token = await ctx.tokenFor(await ctx.createClient());
});
after(() => ctx.close());

interface Movement {
  date: string;
  /** Cents, never 0. */
  cents: number;
  text: string;
}

interface Generated {
  /** 20 digits: a Spanish account (bank, branch, number), also the IBAN's body. */
  account: string;
  openingCents: number;
  movements: Movement[];
}

const day = fc
  .integer({ min: 0, max: 333 })
  .map((n) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
const text = fc
  .array(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split(''), ' '), {
    minLength: 3,
    maxLength: 28,
  })
  .map((chars) => chars.join('').replace(/\s+/g, ' ').trim())
  .filter((t) => t.length >= 3);
const movement = fc.record({
  date: day,
  cents: fc.integer({ min: -2_000_000, max: 2_000_000 }).filter((c) => c !== 0),
  text,
});
const statement: fc.Arbitrary<Generated> = fc
  .record({
    account: fc.stringMatching(/^[0-9]{20}$/),
    openingCents: fc.integer({ min: 0, max: 50_000_000 }),
    movements: fc.array(movement, { minLength: 1, maxLength: 12 }),
  })
  // Files list movements by date; an exact repeat (same day, amount and text) is kept as a pair.
  .chain((s) =>
    fc.boolean().map((repeat) => ({
      ...s,
      movements: [...s.movements, ...(repeat ? [s.movements[0]!] : [])].sort((a, b) =>
        a.date.localeCompare(b.date),
      ),
    })),
  );

const euros = (cents: number, decimal = '.') => {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}${decimal}${String(abs % 100).padStart(2, '0')}`;
};
const closingCents = (s: Generated) => s.openingCents + s.movements.reduce((n, m) => n + m.cents, 0);
const compact = (date: string) => date.replaceAll('-', '');

/** The writers: each format in its dialects. */
const writers: Record<string, (s: Generated) => string> = {
  'OFX 1.x (SGML)': (s) =>
    `OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261201<LANGUAGE>SPA</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>EUR
<BANKACCTFROM><BANKID>${s.account.slice(0, 4)}<ACCTID>ES00${s.account}<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20260101<DTEND>20261231
${s.movements.map((m, i) => `<STMTTRN><TRNTYPE>${m.cents < 0 ? 'DEBIT' : 'CREDIT'}<DTPOSTED>${compact(m.date)}<TRNAMT>${euros(m.cents)}<FITID>${i + 1}<NAME>${m.text}</STMTTRN>`).join('\n')}
</BANKTRANLIST><LEDGERBAL><BALAMT>${euros(closingCents(s))}<DTASOF>20261231</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n`,
  'OFX 2.x (XML), repeated FITIDs': (s) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><DTSERVER>20261201</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><STMTRS><CURDEF>EUR</CURDEF>
<BANKACCTFROM><BANKID>${s.account.slice(0, 4)}</BANKID><ACCTID>ES00${s.account}</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>
<BANKTRANLIST><DTSTART>20260101</DTSTART><DTEND>20261231</DTEND>
${s.movements.map((m) => `<STMTTRN><TRNTYPE>OTHER</TRNTYPE><DTPOSTED>${compact(m.date)}120000</DTPOSTED><TRNAMT>${euros(m.cents)}</TRNAMT><FITID>SAME</FITID><NAME>${m.text}</NAME></STMTTRN>`).join('\n')}
</BANKTRANLIST><LEDGERBAL><BALAMT>${euros(closingCents(s))}</BALAMT><DTASOF>20261231</DTASOF></LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n`,
  'CSV, comma and decimal point, ISO dates': (s) =>
    [
      'Date,Description,Amount,Currency,Account',
      ...s.movements.map((m) => `${m.date},"${m.text}",${euros(m.cents)},EUR,ES00${s.account}`),
    ].join('\n'),
  'CSV, semicolon and decimal comma, day first, newest first, quoted': (s) =>
    [
      '"Fecha";"Concepto";"Importe";"Divisa"',
      ...[...s.movements]
        .reverse()
        .map(
          (m) =>
            `"${m.date.slice(8)}/${m.date.slice(5, 7)}/${m.date.slice(0, 4)}";"${m.text}";"${euros(m.cents, ',')}";"EUR"`,
        ),
    ].join('\r\n'),
  'Norma 43': (s) =>
    norma43File({
      // Bank, branch and number (18 digits): Norma 43 leaves out the two control digits.
      account: `${s.account.slice(0, 8)}${s.account.slice(10)}`,
      from: '2026-01-01',
      to: '2026-12-31',
      opening: s.openingCents / 100,
      movements: s.movements.map((m) => ({
        date: m.date,
        amount: m.cents / 100,
        concept: '99',
        text: m.text,
      })),
    }),
  'MT940, SWIFT wrapper and CRLF': (s) =>
    [
      '{1:F01BANKESMMAXXX0000000000}{2:I940BANKESMMXXXXN}{4:',
      ':20:PROPERTY',
      `:25:ES00${s.account}`,
      ':28C:1/1',
      `:60F:C260101EUR${euros(s.openingCents, ',')}`,
      ...s.movements.flatMap((m) => [
        `:61:${compact(m.date).slice(2)}${m.cents < 0 ? 'D' : 'C'}${euros(Math.abs(m.cents), ',')}NMSCNONREF`,
        `:86:${m.text}`,
      ]),
      `:62F:${closingCents(s) < 0 ? 'D' : 'C'}261231EUR${euros(Math.abs(closingCents(s)), ',')}`,
      '-}',
    ].join('\r\n'),
};

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

async function imported(file: string) {
  const response = await ctx.call(token, {
    method: 'POST',
    url: '/v1/imports',
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.from(file, 'utf8'),
  });
  assert.equal(response.statusCode, 201, response.body);
  const connection = response.json().connection_id as string;
  const get = async (url: string) => (await ctx.call(token, { url })).json().data as Json[];
  return {
    accounts: await get(`/v1/accounts?connection_id=${connection}`),
    movements: await get(`/v1/transactions?connection_id=${connection}&page_size=1000`),
  };
}

const key = (date: string, cents: number, text: string) => `${date}|${cents}|${text}`;

describe('generated statements, written in each format, are stored as generated', () => {
  for (const [dialect, write] of Object.entries(writers))
    test(dialect, async () => {
      await fc.assert(
        fc.asyncProperty(statement, async (generated) => {
          const stored = await imported(write(generated));
          assert.equal(stored.accounts.length, 1, 'one account');
          const [account] = stored.accounts;
          assert.equal(account!.currency, 'EUR');
          // Formats that state a balance (CSV without a balance column does not).
          if (!dialect.startsWith('CSV'))
            assert.equal(Math.round(account!.balance * 100), closingCents(generated));
          assert.deepEqual(
            stored.movements
              .map((t) => key(t.operation_date, Math.round(t.amount * 100), t.description))
              .sort(),
            generated.movements.map((m) => key(m.date, m.cents, m.text)).sort(),
          );
        }),
        { numRuns: 12, seed: 20261202 },
      );
    });
});
