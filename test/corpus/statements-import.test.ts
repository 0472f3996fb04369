// Every file of the shared statement corpus through the whole import, as a client sends it: no
// format given (detection decides), POST /v1/imports, then what the API stores compared with what
// the parser read: per account, the number of movements, their sum, first and last dates and the
// currency, and the investment trades. A file the parser refuses must be refused by the import too,
// with nothing stored. This is where defects that merge movements on write (a bank id repeated)
// or refuse a fragment the parser reads (detection) show; the parser suite never sees them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { accountKeyOf } from '../../src/connectors/files/transform.ts';
import { parseStatementFile } from '../../src/formats/index.ts';
import { type Statement, sumAmounts } from '../../src/formats/statement.ts';
import { buildTestContext, type TestContext } from '../helpers/context.ts';
import { corpusFiles, corpusLocation } from './location.ts';

const { corpus } = corpusLocation();

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

interface AccountSummary {
  currency: string;
  movements: number;
  sum: string;
  first: string | null;
  last: string | null;
}

const summaryOf = (currency: string, movements: Array<{ amount: string; date: string }>): AccountSummary => {
  const dates = movements.map((m) => m.date).sort();
  return {
    currency,
    movements: movements.length,
    sum: movements.length === 0 ? '0' : sumAmounts(movements.map((m) => m.amount)),
    first: dates[0] ?? null,
    last: dates.at(-1) ?? null,
  };
};

/** What the parser read, per account as the import groups statements (by number and currency). */
function parsedAccounts(statements: readonly Statement[]): AccountSummary[] {
  const groups = new Map<string, { currency: string; movements: Array<{ amount: string; date: string }> }>();
  for (const statement of statements) {
    const key = accountKeyOf(statement);
    const group = groups.get(key) ?? { currency: statement.account.currency, movements: [] };
    group.currency = statement.account.currency;
    for (const t of statement.transactions) group.movements.push({ amount: t.amount, date: t.bookingDate });
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => summaryOf(g.currency, g.movements));
}

const order = (summaries: AccountSummary[]) =>
  [...summaries].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

if (corpus)
  describe('the shared statement corpus, through the import', () => {
    let ctx: TestContext;
    let token: string;
    before(async () => {
      ctx = await buildTestContext();
      token = await ctx.tokenFor(await ctx.createClient());
    });
    after(() => ctx.close());

    const all = async (url: string) => {
      const rows: Json[] = [];
      let cursor: string | null = null;
      do {
        const page: Json = (
          await ctx.call(token, { url: `${url}&page_size=1000${cursor ? `&cursor=${cursor}` : ''}` })
        ).json();
        rows.push(...page.data);
        cursor = page.next_cursor;
      } while (cursor);
      return rows;
    };

    for (const file of Object.keys(corpusFiles(corpus))) {
      test(file, async () => {
        const bytes = new Uint8Array(fs.readFileSync(path.join(corpus, file)));
        const parsed = parseStatementFile(bytes);
        const response = await ctx.call(token, {
          method: 'POST',
          url: `/v1/imports?filename=${encodeURIComponent(path.basename(file))}`,
          headers: { 'content-type': 'application/octet-stream' },
          payload: Buffer.from(bytes),
        });
        const body = response.json();
        const readable =
          parsed && parsed.statements.length > 0 && !parsed.issues.some((i) => i.severity === 'error');
        if (!readable) {
          assert.ok(response.statusCode >= 400, `refused by the parser, so by the import: ${response.body}`);
          assert.equal(body.connection_id ?? null, null, 'nothing stored');
          return;
        }
        assert.equal(response.statusCode, 201, response.body);
        assert.equal(body.format, parsed.format);
        const connection = body.connection_id as string;
        const accounts = await all(`/v1/accounts?connection_id=${connection}`);
        const movements = await all(`/v1/transactions?connection_id=${connection}&allow_partial=true`);
        const stored = accounts.map((account) =>
          summaryOf(
            account.currency,
            movements
              .filter((t) => t.account_id === account.id)
              .map((t) => ({ amount: String(t.amount), date: t.operation_date })),
          ),
        );
        const read = parsedAccounts(parsed.statements);
        // The summary's stored count is the write path's own: distinct records, as many as read.
        assert.equal(
          body.summary.stored.transactions ?? 0,
          body.summary.transactions,
          'summary: stored = read',
        );
        // Movements without a currency of their own are stored in their statement's: compare accounts.
        assert.deepEqual(
          order(stored),
          order(read),
          'what is stored is what the file holds, account by account',
        );
        const trades = parsed.statements.reduce((n, s) => n + (s.investmentTransactions?.length ?? 0), 0);
        if (trades > 0) {
          const storedTrades = await all(
            `/v1/investment-transactions?connection_id=${connection}&allow_partial=true`,
          );
          assert.equal(storedTrades.length, trades, 'every trade stored');
        }
      });
    }
  });
