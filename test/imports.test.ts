// Statement import as a client uses it: a Norma 43 file becomes a connection whose accounts and
// transactions are listed and synced like a bank's; importing it again adds nothing; a broken file
// is a 422 with line numbers and stores nothing; the file is kept byte for byte; isolation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { norma43File } from './helpers/norma43.ts';

let ctx: TestContext;
let token: string;

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

const movements = [
  { date: '2026-10-01', amount: -850, concept: '04', text: 'TRANSFERENCIA ALQUILER OCTUBRE' },
  { date: '2026-10-03', amount: -42.37, concept: '12', text: 'COMPRA TARJ. MERCADONA VALENCIA' },
  { date: '2026-10-03', amount: -42.37, concept: '12', text: 'COMPRA TARJ. MERCADONA VALENCIA' },
  { date: '2026-10-28', amount: 2150.5, concept: '15', text: 'NOMINA ACME SL' },
];
const file = norma43File({ from: '2026-10-01', to: '2026-10-31', opening: 1000, movements });

before(async () => {
  ctx = await buildTestContext();
  token = await ctx.tokenFor(await ctx.createClient());
});
after(() => ctx.close());

async function upload(body: string | Buffer, query = '', as = token) {
  const response = await ctx.call(as, {
    method: 'POST',
    url: `/v1/imports${query}`,
    headers: { 'content-type': 'application/octet-stream' },
    payload: typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
  });
  return { status: response.statusCode, body: response.json() as Json };
}

const get = async (url: string, as = token) => {
  const response = await ctx.call(as, { url });
  return { status: response.statusCode, body: response.json() as Json };
};

test('a Norma 43 file becomes a connection served like a bank; importing it again adds nothing', async () => {
  const first = await upload(file, '?external_id=end-user-5&filename=octubre.n43');
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.body.status, 'completed');
  assert.equal(first.body.format, 'norma43');
  assert.equal(first.body.summary.transactions, 4);
  assert.equal(first.body.summary.added, 5); // the account and its four movements
  assert.deepEqual(first.body.summary.balances, [
    { account: '205900608000314221', currency: 'EUR', opening: '1000', closing: '2215.76' },
  ]);
  const connectionId = first.body.connection_id;
  const connection = (await get(`/v1/connections/${connectionId}`)).body;
  assert.equal(connection.status, 'ok');
  assert.equal(connection.external_id, 'end-user-5');

  const transactions = (await get(`/v1/transactions?connection_id=${connectionId}`)).body.data as Json[];
  assert.equal(transactions.length, 4, 'two identical card payments on one day stay two');
  const salary = transactions.find((t) => t.amount === 2150.5)!;
  assert.equal(salary.description, 'NOMINA ACME SL');
  assert.equal(salary.operation_date, '2026-10-28');
  assert.equal(salary.norma43, '15');
  assert.equal(salary.category, 'income');
  const accounts = (await get(`/v1/accounts?connection_id=${connectionId}`)).body.data as Json[];
  assert.equal(accounts.length, 1);
  assert.equal(accounts[0]!.balance, 2215.76);
  assert.equal(accounts[0]!.currency, 'EUR');

  const sync = (await get(`/v1/transactions/sync?connection_id=${connectionId}`)).body;
  assert.equal(sync.added.length, 4);

  const again = await upload(file, `?connection_id=${connectionId}`);
  assert.equal(again.status, 201);
  assert.equal(again.body.summary.added, 0);
  assert.equal(again.body.summary.modified, 0);
  assert.equal((await get(`/v1/transactions?connection_id=${connectionId}`)).body.data.length, 4);

  // The file is kept byte for byte.
  const document = await ctx.call(token, { url: `/v1/documents/${first.body.document_id}/content` });
  assert.equal(document.statusCode, 200);
  assert.deepEqual(document.rawPayload, Buffer.from(file, 'latin1'));
  assert.match(String(document.headers['content-disposition']), /octubre\.n43/);

  // And an event says so.
  const events = (await get('/v1/events?type=import.completed')).body.data as Json[];
  assert.ok(events.some((e) => e.data.import_id === first.body.id && e.data.added === 5));
  assert.deepEqual((await get(`/v1/imports/${first.body.id}`)).body.summary, first.body.summary);
});

const ofx = (transactions: Array<[string, string, string, string]>) => `OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261101<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>0049<ACCTID>ES9121000418450200051332<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20261001<DTEND>20261031
${transactions.map(([id, date, amount, name]) => `<STMTTRN><TRNTYPE>${amount.startsWith('-') ? 'DEBIT' : 'CREDIT'}<DTPOSTED>${date}<TRNAMT>${amount}<FITID>${id}<NAME>${name}</STMTTRN>`).join('\n')}
</BANKTRANLIST><LEDGERBAL><BALAMT>1234.56<DTASOF>20261031</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1>
</OFX>
`;

test('an OFX file, then an overlapping one: transactions are matched by their FITID', async () => {
  const october = ofx([
    ['A1', '20261002', '-12.50', 'CAFE &amp; BAR'],
    ['A2', '20261015', '-60.00', 'REPSOL'],
  ]);
  const first = await upload(october);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.body.format, 'ofx');
  const connectionId = first.body.connection_id;
  const overlapping = ofx([
    ['A2', '20261015', '-60.00', 'REPSOL'],
    ['A3', '20261028', '2100.00', 'NOMINA'],
  ]);
  const second = await upload(overlapping, `?connection_id=${connectionId}`);
  assert.equal(second.status, 201);
  assert.equal(second.body.summary.added, 1);
  const rows = (await get(`/v1/transactions?connection_id=${connectionId}`)).body.data as Json[];
  assert.deepEqual(rows.map((t) => t.transaction_id).sort(), ['A1', 'A2', 'A3']);
  assert.equal(rows.find((t) => t.transaction_id === 'A1')!.description, 'CAFE & BAR');
  const account = (await get(`/v1/accounts?connection_id=${connectionId}`)).body.data[0];
  assert.equal(account.iban, 'ES9121000418450200051332');
  assert.equal(account.balance, 1234.56);
});

test('a QIF file (day/month order worked out from the whole file) takes the currency it is given', async () => {
  const qif = '!Type:Bank\nD13/08/2026\nT-1,000.00\nPDelta\n^\nD03/09/2026\nT250.50\nPRefund\n^\n';
  const { status, body } = await upload(qif, '?currency=EUR');
  assert.equal(status, 201, JSON.stringify(body));
  assert.equal(body.format, 'qif');
  const rows = (await get(`/v1/transactions?connection_id=${body.connection_id}`)).body.data as Json[];
  assert.deepEqual(
    rows.map((t) => [t.operation_date, t.amount, t.currency]),
    [
      ['2026-09-03', 250.5, 'EUR'],
      ['2026-08-13', -1000, 'EUR'],
    ],
  );
});

test('a CSV whose layout is not certain is a 422 saying what was found; with a csv_mapping it imports', async () => {
  const before = (await get('/v1/connections')).body.data.length;
  // No header, two amount columns, dates that read day-first and month-first: nothing to go on.
  const csv = '03/04/2026;Alquiler abril;850,00;;1150,00\n05/04/2026;Devolucion;;12,40;1162,40\n';
  const refused = await upload(csv);
  assert.equal(refused.status, 422);
  assert.equal(refused.body.code, 'IMPORT_UNREADABLE');
  const issue = refused.body.issues.find((i: Json) => i.csv);
  assert.match(issue.message, /several columns hold amounts/);
  assert.equal(issue.csv.suggestion.delimiter, ';');
  assert.equal(issue.csv.suggestion.header, false);
  assert.equal((await get('/v1/connections')).body.data.length, before, 'nothing stored');

  const badMapping = await upload(csv, `?csv_mapping=${encodeURIComponent('{"amount":"x","colour":1}')}`);
  assert.equal(badMapping.status, 400);
  assert.equal(badMapping.body.code, 'VALIDATION_FAILED');
  const notJson = await upload(csv, '?csv_mapping=%7Bnope');
  assert.equal(notJson.status, 400);
  assert.equal((await get('/v1/connections')).body.data.length, before, 'nothing stored');

  const mapping = { debit: 2, credit: 3, balance: 4, date_order: 'dmy', currency_code: 'EUR' };
  const { status, body } = await upload(csv, `?csv_mapping=${encodeURIComponent(JSON.stringify(mapping))}`);
  assert.equal(status, 201, JSON.stringify(body));
  assert.equal(body.format, 'csv');
  assert.deepEqual(body.summary.balances, [
    { account: 'CSV', currency: 'EUR', opening: '2000', closing: '1162.4' },
  ]);
  const rows = (await get(`/v1/transactions?connection_id=${body.connection_id}`)).body.data as Json[];
  assert.deepEqual(
    rows.map((t) => [t.operation_date, t.amount, t.currency, t.description]),
    [
      ['2026-04-05', 12.4, 'EUR', 'Devolucion'],
      ['2026-04-03', -850, 'EUR', 'Alquiler abril'],
    ],
  );
});

async function settled(id: string): Promise<Json> {
  for (let i = 0; i < 300; i += 1) {
    const { body } = await get(`/v1/imports/${id}`);
    if (body.status !== 'processing') return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`import ${id} still processing`);
}

test('async=true (and any file over 2 MiB) is answered 202 and imported by a job; a bad file fails and keeps nothing', async () => {
  const queued = await upload(file.replaceAll('20590060', '20590061'), '?async=true&external_id=big-file');
  assert.equal(queued.status, 202, JSON.stringify(queued.body));
  assert.equal(queued.body.status, 'processing');
  const done = await settled(queued.body.id);
  assert.equal(done.status, 'completed', JSON.stringify(done));
  assert.equal(done.format, 'norma43');
  assert.equal(done.summary.transactions, 4);
  const rows = (await get(`/v1/transactions?connection_id=${done.connection_id}`)).body.data as Json[];
  assert.equal(rows.length, 4);
  const content = await ctx.call(token, { url: `/v1/documents/${done.document_id}/content` });
  assert.equal(content.statusCode, 200);
  const events = (await get('/v1/events?type=import.completed')).body.data as Json[];
  assert.ok(events.some((e) => e.data.import_id === done.id && e.data.status === 'completed'));

  const before = (await get('/v1/connections')).body.data.length;
  const broken = await upload('Fecha;Concepto;Importe\n31/02/2026;x;1,00\n', '?async=true');
  assert.equal(broken.status, 202);
  const failed = await settled(broken.body.id);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.document_id, null, 'the refused file is not kept');
  assert.match(failed.issues[0].message, /cannot all be read/);
  assert.equal((await get('/v1/connections')).body.data.length, before, 'no connection');
  const failedEvents = (await get('/v1/events?type=import.completed')).body.data as Json[];
  assert.ok(failedEvents.some((e) => e.data.import_id === failed.id && e.data.status === 'failed'));
});

/** A multipart/form-data body, serialised the way a browser or curl -F sends it. */
async function multipart(
  fields: Record<string, string>,
  file?: { name: string; content: string; part?: string },
) {
  const form = new FormData();
  if (file)
    form.append(
      file.part ?? 'file',
      new Blob([file.content], { type: 'application/octet-stream' }),
      file.name,
    );
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  const response = await ctx.call(token, {
    method: 'POST',
    url: '/v1/imports',
    headers: { 'content-type': request.headers.get('content-type')! },
    payload: Buffer.from(await request.arrayBuffer()),
  });
  return { status: response.statusCode, body: response.json() as Json };
}

test('a multipart upload: the file part and the options as fields; bad fields are a 400', async () => {
  const qif = '!Type:CCard\nD2026-11-02\nT-19.99\nPStreaming service\n^\n';
  const { status, body } = await multipart(
    { currency: 'USD', external_id: 'form-user' },
    { name: 'noviembre.qif', content: qif },
  );
  assert.equal(status, 201, JSON.stringify(body));
  assert.equal(body.format, 'qif');
  const rows = (await get(`/v1/transactions?connection_id=${body.connection_id}`)).body.data as Json[];
  assert.deepEqual(
    rows.map((t) => [t.operation_date, t.amount, t.currency]),
    [['2026-11-02', -19.99, 'USD']],
  );
  const connection = (await get(`/v1/connections/${body.connection_id}`)).body;
  assert.equal(connection.external_id, 'form-user');
  const document = await ctx.call(token, { url: `/v1/documents/${body.document_id}/content` });
  assert.equal(document.body, qif, 'the file part is kept byte for byte');

  const before = (await get('/v1/connections')).body.data.length;
  const noFile = await multipart({ currency: 'USD' });
  assert.equal(noFile.status, 400);
  assert.ok(noFile.body.errors.some((e: Json) => e.pointer === '/body/file'));
  const badField = await multipart({ currency: 'dollars' }, { name: 'x.qif', content: qif });
  assert.equal(badField.status, 400);
  assert.ok(badField.body.errors.some((e: Json) => e.pointer === '/body/currency'));
  const wrongPart = await multipart({}, { name: 'x.qif', content: qif, part: 'upload' });
  assert.equal(wrongPart.status, 400);
  assert.equal((await get('/v1/connections')).body.data.length, before, 'nothing stored');
});

test('a broken file is a 422 with each issue and its line, and nothing is stored', async () => {
  const before = (await get('/v1/connections')).body.data.length;
  const broken = file.replace(/^(22.{26})\d{14}/m, '$1ABCDEFGHIJKLMN');
  const { status, body } = await upload(broken);
  assert.equal(status, 422);
  assert.equal(body.code, 'IMPORT_UNREADABLE');
  assert.deepEqual(
    body.issues.filter((i: Json) => i.severity === 'error').map((i: Json) => i.line),
    [2],
  );
  const unknown = await upload('this is not a statement');
  assert.equal(unknown.status, 422);
  const empty = await upload('');
  assert.equal(empty.status, 422);
  assert.equal((await get('/v1/connections')).body.data.length, before);
});

test("another client's token reaches neither the import, nor its document, nor its connection", async () => {
  const mine = await upload(file);
  const other = await ctx.tokenFor(await ctx.createClient());
  assert.equal((await get(`/v1/imports/${mine.body.id}`, other)).status, 404);
  assert.equal((await get(`/v1/documents/${mine.body.document_id}/content`, other)).status, 404);
  assert.equal((await upload(file, `?connection_id=${mine.body.connection_id}`, other)).status, 404);
  // A bank connection cannot receive statements.
  assert.equal((await upload(file, '?connection_id=con_doesnotexist')).status, 404);
});

/** An investment account's OFX: trades, cash, positions and the securities list (Fidelity-like). */
const investmentOfx = (trades: string, positions: string) => `OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261105<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<INVSTMTMSGSRSV1><INVSTMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<INVSTMTRS><DTASOF>20261031<CURDEF>USD<INVACCTFROM><BROKERID>fidelity.com<ACCTID>X12345678</INVACCTFROM>
<INVTRANLIST><DTSTART>20261001<DTEND>20261031
${trades}
</INVTRANLIST>
${positions}
<INVBAL><AVAILCASH>1520.40<MARGINBALANCE>0<SHORTBALANCE>0</INVBAL>
</INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1>
<SECLISTMSGSRSV1><SECLIST>
<STOCKINFO><SECINFO><SECID><UNIQUEID>US0378331005<UNIQUEIDTYPE>ISIN</SECID><SECNAME>APPLE INC<TICKER>AAPL<UNITPRICE>231.50<DTASOF>20261031</SECINFO><STOCKTYPE>COMMON</STOCKINFO>
<MFINFO><SECINFO><SECID><UNIQUEID>922908769<UNIQUEIDTYPE>CUSIP</SECID><SECNAME>VANGUARD TOTAL STOCK MKT IDX ADM<TICKER>VTSAX</SECINFO><MFTYPE>OPENEND</MFINFO>
<STOCKINFO><SECINFO><SECID><UNIQUEID>US5949181045<UNIQUEIDTYPE>ISIN</SECID><SECNAME>MICROSOFT CORP<TICKER>MSFT</SECINFO></STOCKINFO>
</SECLIST></SECLISTMSGSRSV1>
</OFX>
`;
const buyApple = `<BUYSTOCK><INVBUY><INVTRAN><FITID>T1<DTTRADE>20261002<DTSETTLE>20261004<MEMO>YOU BOUGHT</INVTRAN><SECID><UNIQUEID>US0378331005<UNIQUEIDTYPE>ISIN</SECID><UNITS>10<UNITPRICE>225.00<COMMISSION>4.95<TOTAL>-2254.95<SUBACCTSEC>CASH<SUBACCTFUND>CASH</INVBUY><BUYTYPE>BUY</BUYSTOCK>`;
const sellFund = `<SELLMF><INVSELL><INVTRAN><FITID>T2<DTTRADE>20261010<DTSETTLE>20261011</INVTRAN><SECID><UNIQUEID>922908769<UNIQUEIDTYPE>CUSIP</SECID><UNITS>-5<UNITPRICE>140.20<FEES>0.02<TOTAL>700.98<SUBACCTSEC>CASH<SUBACCTFUND>CASH</INVSELL><SELLTYPE>SELL</SELLMF>`;
const dividend = `<INCOME><INVTRAN><FITID>T3<DTTRADE>20261015</INVTRAN><SECID><UNIQUEID>US0378331005<UNIQUEIDTYPE>ISIN</SECID><INCOMETYPE>DIV<TOTAL>2.50<WITHHOLDING>0.38<SUBACCTSEC>CASH<SUBACCTFUND>CASH</INCOME>`;
const reinvest = `<REINVEST><INVTRAN><FITID>T4<DTTRADE>20261020</INVTRAN><SECID><UNIQUEID>922908769<UNIQUEIDTYPE>CUSIP</SECID><INCOMETYPE>DIV<TOTAL>-30.00<SUBACCTSEC>CASH<UNITS>0.214<UNITPRICE>140.19</REINVEST>`;
const deposit = `<INVBANKTRAN><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261001<TRNAMT>3000.00<FITID>C1<NAME>ELECTRONIC FUNDS TRANSFER RCVD</STMTTRN><SUBACCTFUND>CASH</INVBANKTRAN>`;
const holdings = `<INVPOSLIST>
<POSSTOCK><INVPOS><SECID><UNIQUEID>US0378331005<UNIQUEIDTYPE>ISIN</SECID><HELDINACCT>CASH<POSTYPE>LONG<UNITS>10<UNITPRICE>231.50<MKTVAL>2315.00<DTPRICEASOF>20261031</INVPOS></POSSTOCK>
<POSMF><INVPOS><SECID><UNIQUEID>922908769<UNIQUEIDTYPE>CUSIP</SECID><HELDINACCT>CASH<POSTYPE>LONG<UNITS>45.214<UNITPRICE>141.00<MKTVAL>6375.17<DTPRICEASOF>20261031</INVPOS></POSMF>
</INVPOSLIST>`;

test('an OFX investment statement: a portfolio, its holdings, their trades and the cash movements', async () => {
  const first = await upload(
    investmentOfx([deposit, buyApple, sellFund, dividend, reinvest].join('\n'), holdings),
  );
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.body.summary.positions, 2);
  assert.equal(first.body.summary.investment_transactions, 4);
  const connectionId = first.body.connection_id;
  const connection = (await get(`/v1/connections/${connectionId}`)).body;
  assert.deepEqual(connection.products, [
    'accounts',
    'transactions',
    'portfolios',
    'investments',
    'investment_transactions',
  ]);
  assert.equal(connection.product_status.investments.count, 2);

  const [portfolio, ...otherPortfolios] = (await get(`/v1/portfolios?connection_id=${connectionId}`)).body
    .data;
  assert.equal(otherPortfolios.length, 0);
  assert.equal(portfolio.ref_valores, 'X12345678');
  assert.equal(portfolio.currency, 'USD');
  assert.equal(portfolio.balance, 8690.17, 'the sum of the holdings’ market values');

  const investments = (await get(`/v1/investments?connection_id=${connectionId}`)).body.data as Json[];
  const apple = investments.find((i) => i.symbol === 'AAPL')!;
  assert.equal(apple.portfolio_id, portfolio.id);
  assert.equal(apple.name, 'APPLE INC');
  assert.equal(apple.isin, 'US0378331005');
  assert.equal(apple.type, 'VI');
  assert.equal(apple.amount, 10);
  assert.equal(apple.balance, 2315);
  assert.equal(apple.valuation_date, '2026-10-31');
  const fund = investments.find((i) => i.symbol === 'VTSAX')!;
  assert.equal(fund.cusip, '922908769');
  assert.equal(fund.type, 'F');
  assert.equal(fund.subtype, 'OPENEND');
  assert.equal(fund.amount, 45.214);

  const trades = (await get(`/v1/investment-transactions?connection_id=${connectionId}`)).body.data as Json[];
  const byId = Object.fromEntries(trades.map((t) => [t.transaction_id, t]));
  assert.deepEqual(Object.keys(byId).sort(), ['T1', 'T2', 'T3', 'T4']);
  assert.equal(byId.T1.investment_id, apple.id);
  assert.equal(byId.T1.type, '1');
  assert.equal(byId.T1.symb, '+');
  assert.equal(byId.T1.amount, 10);
  assert.equal(byId.T1.unit_price, 225);
  assert.equal(byId.T1.net_cash, -2254.95);
  assert.equal(byId.T1.commission, 4.95);
  assert.equal(byId.T1.operation_date, '2026-10-02');
  assert.equal(byId.T1.value_date, '2026-10-04');
  assert.equal(byId.T1.description, 'BUYSTOCK — APPLE INC — YOU BOUGHT');
  assert.equal(byId.T2.investment_id, fund.id);
  assert.equal(byId.T2.type, '2');
  assert.equal(byId.T2.symb, '-');
  assert.equal(byId.T2.amount, -5);
  assert.equal(byId.T2.expenses, 0.02);
  assert.equal(byId.T3.type, '7');
  assert.equal(byId.T3.net_cash, 2.5);
  assert.equal(byId.T3.retention, 0.38);
  assert.equal(byId.T4.type, '1', 'a reinvested dividend buys units');
  assert.equal(byId.T4.amount, 0.214);

  // The cash side: an account with the available cash and the deposit.
  const [cash] = (await get(`/v1/accounts?connection_id=${connectionId}`)).body.data;
  assert.equal(cash.type, 'brokerage_cash');
  assert.equal(cash.available_balance, 1520.4);
  const movements = (await get(`/v1/transactions?connection_id=${connectionId}`)).body.data as Json[];
  assert.deepEqual(
    movements.map((t) => [t.transaction_id, t.amount]),
    [['C1', 3000]],
  );

  // November's activity, without positions: a new trade of a security not held yet, and one of the
  // fund. The fund's holding is not overwritten; the new security appears with its amount unknown.
  const sellMsft = `<SELLSTOCK><INVSELL><INVTRAN><FITID>T5<DTTRADE>20261103</INVTRAN><SECID><UNIQUEID>US5949181045<UNIQUEIDTYPE>ISIN</SECID><UNITS>2<UNITPRICE>410<TOTAL>820<SUBACCTSEC>CASH<SUBACCTFUND>CASH</INVSELL><SELLTYPE>SELL</SELLSTOCK>`;
  const activity = investmentOfx([sellFund, sellMsft].join('\n'), '');
  const second = await upload(activity, `?connection_id=${connectionId}`);
  assert.equal(second.status, 201, JSON.stringify(second.body));
  const after = (await get(`/v1/investments?connection_id=${connectionId}`)).body.data as Json[];
  assert.equal(after.length, 3);
  assert.equal(after.find((i) => i.symbol === 'VTSAX')!.amount, 45.214, 'the holding is kept');
  const msft = after.find((i) => i.symbol === 'MSFT')!;
  assert.equal(msft.amount, null, 'traded, but the file lists no positions');
  const tradesAfter = (await get(`/v1/investment-transactions?connection_id=${connectionId}`)).body
    .data as Json[];
  assert.equal(tradesAfter.length, 5, 'T2 again is not added twice');
  const t5 = tradesAfter.find((t) => t.transaction_id === 'T5')!;
  assert.equal(t5.investment_id, msft.id);
  assert.equal(t5.amount, -2, 'units sold leave the account, whatever sign the file gives');

  // Another client sees none of it.
  const stranger = await ctx.tokenFor(await ctx.createClient());
  for (const url of ['/v1/portfolios', '/v1/investments', '/v1/investment-transactions']) {
    const { status, body } = await get(`${url}?connection_id=${connectionId}`, stranger);
    assert.equal(status, 404, url);
    assert.equal(body.code, 'NOT_FOUND');
  }
});

test('account_id adds a one-account file to an existing account, in its currency; a file that does not fit is a 422', async () => {
  const october = ofx([
    ['B1', '20261002', '-12.50', 'CAFE'],
    ['B2', '20261015', '-60.00', 'REPSOL'],
  ]);
  const first = await upload(october);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const connectionId = first.body.connection_id;
  const [account] = (await get(`/v1/accounts?connection_id=${connectionId}`)).body.data as Json[];

  // A QIF export of the same account (no account number, no currency): its movements join it in EUR.
  const qif = '!Type:Bank\nD11/03/2026\nT-8.40\nPBAKERY\n^\nD11/05/2026\nT-31.99\nPBOOKSHOP\n^\n';
  const added = await upload(qif, `?account_id=${account!.id}`);
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.equal(added.body.connection_id, connectionId);
  const accounts = (await get(`/v1/accounts?connection_id=${connectionId}`)).body.data as Json[];
  assert.equal(accounts.length, 1, 'no new account');
  assert.equal(accounts[0]!.iban, 'ES9121000418450200051332', 'the account keeps its details');
  const rows = (await get(`/v1/transactions?connection_id=${connectionId}`)).body.data as Json[];
  assert.equal(rows.length, 4);
  const bakery = rows.find((t) => t.description === 'BAKERY')!;
  assert.equal(bakery.account_id, account!.id);
  assert.equal(bakery.currency, 'EUR');
  assert.equal(
    (await upload(qif, `?account_id=${account!.id}`)).body.summary.added,
    0,
    'again: nothing twice',
  );

  // Refused, storing nothing: another currency, two accounts, an unknown account, a mismatched connection.
  const connectionsBefore = (await get('/v1/connections?page_size=100')).body.data.length;
  const dollars = await upload(qif, `?account_id=${account!.id}&currency=USD`);
  assert.equal(dollars.status, 422);
  assert.match(dollars.body.detail, /in USD, the account in EUR/);
  const two = `!Account\nNOne\n^\n!Type:Bank\nD11/03/2026\nT-1\n^\n!Account\nNTwo\n^\n!Type:Bank\nD11/04/2026\nT-2\n^\n`;
  const both = await upload(two, `?account_id=${account!.id}`);
  assert.equal(both.status, 422);
  assert.match(both.body.detail, /2 accounts/);
  assert.equal((await upload(qif, '?account_id=acc_nope')).status, 404);
  const other = await upload(october);
  const mismatch = await upload(qif, `?account_id=${account!.id}&connection_id=${other.body.connection_id}`);
  assert.equal(mismatch.status, 400);
  assert.equal(mismatch.body.errors[0].pointer, '/query/account_id');
  assert.equal(
    (await get('/v1/connections?page_size=100')).body.data.length,
    connectionsBefore + 1,
    'only the second OFX file made a connection',
  );
  assert.equal((await get(`/v1/transactions?connection_id=${connectionId}`)).body.data.length, 4);

  // Another client cannot name the account.
  const stranger = await ctx.tokenFor(await ctx.createClient());
  assert.equal((await upload(qif, `?account_id=${account!.id}`, stranger)).status, 404);
});

test('an empty body is said to be empty (not "format not recognised") and creates nothing', async () => {
  const before = (await get('/v1/connections?page_size=100')).body.data.length;
  for (const query of ['', '?async=true']) {
    const { status, body } = await upload('', query);
    if (status === 202) {
      // Queued: the import fails with the same words.
      const done = await settled(body.id);
      assert.equal(done.status, 'failed');
      assert.deepEqual(done.issues, [{ severity: 'error', line: null, message: 'empty file' }]);
      continue;
    }
    assert.equal(status, 422);
    assert.equal(body.code, 'IMPORT_UNREADABLE');
    assert.match(body.detail, /^The file is empty: send the statement file as the request body/);
    assert.deepEqual(body.issues, [{ severity: 'error', line: null, message: 'empty file' }]);
  }
  assert.equal((await get('/v1/connections?page_size=100')).body.data.length, before);
});
