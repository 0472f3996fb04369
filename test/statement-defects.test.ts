// Statements as real banks write them (the defect classes of unseen real files), through the whole
// import as a client sends it: format detected, records stored, and what is stored compared with
// what the file holds. Every file here is synthetic, written from the description of its class.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { buildTestContext, type TestContext } from './helpers/context.ts';

let ctx: TestContext;
let token: string;

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

before(async () => {
  ctx = await buildTestContext();
  token = await ctx.tokenFor(await ctx.createClient());
});
after(() => ctx.close());

async function upload(body: string, query = '') {
  const response = await ctx.call(token, {
    method: 'POST',
    url: `/v1/imports${query}`,
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.from(body, 'latin1'),
  });
  return { status: response.statusCode, body: response.json() as Json };
}

const list = async (product: string, connectionId: string) =>
  (await ctx.call(token, { url: `/v1/${product}?connection_id=${connectionId}&page_size=1000` })).json()
    .data as Json[];

/** Imports the file, then again into the same connection: the second adds nothing. */
async function importTwice(body: string) {
  const first = await upload(body);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const again = await upload(body, `?connection_id=${first.body.connection_id}`);
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.deepEqual(
    [again.body.summary.added, again.body.summary.modified],
    [0, 0],
    'a second import adds nothing',
  );
  return first.body;
}

const ofxHeader = 'OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n';
const signon =
  '<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261101<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>';
const movement = (id: string, date: string, amount: string, name: string) =>
  `<STMTTRN><TRNTYPE>${amount.startsWith('-') ? 'DEBIT' : 'CREDIT'}<DTPOSTED>${date}<TRNAMT>${amount}<FITID>${id}<NAME>${name}</STMTTRN>`;
const bankStatement = (account: string, movements: string[]) =>
  `<STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>0049<ACCTID>${account}<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST><DTSTART>20261001<DTEND>20261031\n${movements.join('\n')}\n</BANKTRANLIST><LEDGERBAL><BALAMT>100.00<DTASOF>20261031</LEDGERBAL></STMTRS></STMTTRNRS>`;
const cardStatement = (account: string, movements: string[]) =>
  `<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>2<STATUS><CODE>0<SEVERITY>INFO</STATUS><CCSTMTRS><CURDEF>EUR<CCACCTFROM><ACCTID>${account}</CCACCTFROM><BANKTRANLIST><DTSTART>20261001<DTEND>20261031\n${movements.join('\n')}\n</BANKTRANLIST><LEDGERBAL><BALAMT>-50.00<DTASOF>20261031</LEDGERBAL></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1>`;
const ofxFile = (...messageSets: string[]) =>
  `${ofxHeader}<OFX>\n${signon}\n${messageSets.join('\n')}\n</OFX>\n`;

describe('D1: movements that share a bank id are all stored', () => {
  test('one account, one FITID on two different movements: both stored, re-import adds nothing', async () => {
    const file = ofxFile(
      `<BANKMSGSRSV1>${bankStatement('ES9121000418450200051332', [
        movement('7', '20261002', '-12.50', 'CAFE'),
        movement('7', '20261003', '-40.00', 'GASOLINERA'),
        movement('8', '20261004', '900.00', 'NOMINA'),
      ])}</BANKMSGSRSV1>`,
    );
    const imported = await importTwice(file);
    const stored = await list('transactions', imported.connection_id);
    assert.deepEqual(
      stored.map((t) => t.amount).sort((a, b) => a - b),
      [-40, -12.5, 900],
    );
    // The summary says what the file was stored as, beside what it holds.
    assert.deepEqual([imported.summary.transactions, imported.summary.stored.transactions], [3, 3]);
  });

  test('a bank and a card statement both numbering from 1: one movement per account', async () => {
    const file = ofxFile(
      `<BANKMSGSRSV1>${bankStatement('ES7620770024003102575766', [movement('1', '20261005', '-20.00', 'RECIBO LUZ')])}</BANKMSGSRSV1>`,
      cardStatement('4111222233334444', [movement('1', '20261006', '-35.90', 'LIBRERIA')]),
    );
    const imported = await importTwice(file);
    const accounts = await list('accounts', imported.connection_id);
    assert.equal(accounts.length, 2);
    const stored = await list('transactions', imported.connection_id);
    assert.equal(stored.length, 2);
    assert.equal(new Set(stored.map((t) => t.account_id)).size, 2, 'each in its own account');
  });

  test('an investment statement with a buy and a sell of one FITID: both trades stored', async () => {
    const fixture = fs.readFileSync(
      new URL('../src/formats/ofx/fixtures/investment-sgml.ofx', import.meta.url),
      'latin1',
    );
    const file = fixture.replace('<FITID>T-0318-2', '<FITID>T-0303-1');
    assert.notEqual(file, fixture);
    const original = await upload(fixture);
    const imported = await importTwice(file);
    const trades = await list('investment-transactions', imported.connection_id);
    const originalTrades = await list('investment-transactions', original.body.connection_id);
    assert.equal(trades.length, originalTrades.length, 'as many trades as with distinct ids');
    assert.equal(trades.filter((t) => t.transaction_id === 'T-0303-1').length, 2);
  });

  test('a CSV whose id column holds one constant: every row stored', async () => {
    const csv = [
      'Date;Description;Amount;Transaction ID',
      '2026-10-01;PANADERIA;-3,20;EXPORT',
      '2026-10-02;FARMACIA;-12,75;EXPORT',
      '2026-10-03;TRANSFERENCIA;150,00;EXPORT',
    ].join('\n');
    const imported = await importTwice(csv);
    assert.equal((await list('transactions', imported.connection_id)).length, 3);
  });
});

describe('D2: OFX comments that hold markup are skipped whole', () => {
  const statement = (inner: string) =>
    ofxFile(
      `<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>EUR${inner}</STMTRS></STMTTRNRS></BANKMSGSRSV1>`,
    );
  const account =
    '<BANKACCTFROM><BANKID>0049<ACCTID>ES9121000418450200051332<ACCTTYPE>CHECKING</BANKACCTFROM>';
  const movements = (...items: string[]) =>
    `<BANKTRANLIST><DTSTART>20261001<DTEND>20261031\n${items.join('\n')}\n</BANKTRANLIST><LEDGERBAL><BALAMT>77.00<DTASOF>20261031</LEDGERBAL>`;

  for (const [where, file] of [
    [
      'in the signon, several elements over several lines',
      statement(`${account}${movements(movement('a', '20261002', '-5.00', 'KIOSCO'))}`).replace(
        '<LANGUAGE>ENG',
        '<LANGUAGE>ENG<!-- <FI>\n<ORG>OLD BANK\n<FID>123\n</FI> -->',
      ),
    ],
    [
      'inside the statement, before its account',
      statement(
        `<!-- <MKTGINFO>old <NOTE>x</MKTGINFO>\n -->${account}${movements(movement('a', '20261002', '-5.00', 'KIOSCO'))}`,
      ),
    ],
    [
      'inside a movement, holding a leaf',
      statement(
        `${account}${movements(
          '<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261002<!-- <DTUSER>20261001 --><TRNAMT>-5.00<FITID>a<NAME>KIOSCO</STMTTRN>',
        )}`,
      ),
    ],
    [
      'a commented-out movement',
      statement(
        `${account}${movements(movement('a', '20261002', '-5.00', 'KIOSCO'), `<!--\n${movement('b', '20261003', '-9.00', 'OLD')}\n-->`)}`,
      ),
    ],
  ] as const)
    test(`${where}: the account, its currency, balance and movements are read`, async () => {
      const imported = await upload(file);
      assert.equal(imported.status, 201, JSON.stringify(imported.body));
      const [stored] = await list('accounts', imported.body.connection_id);
      assert.deepEqual(
        [stored!.iban, stored!.currency, stored!.balance],
        ['ES9121000418450200051332', 'EUR', 77],
      );
      const transactions = await list('transactions', imported.body.connection_id);
      assert.deepEqual(
        transactions.map((t) => [t.amount, t.description]),
        [[-5, 'KIOSCO']],
      );
    });

  test('a comment that removes a movement’s amount: that movement is refused, not a silent 201', async () => {
    const file = statement(
      `${account}${movements('<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261002<!-- <TRNAMT>-5.00 --><FITID>a<NAME>KIOSCO</STMTTRN>')}`,
    );
    const imported = await upload(file);
    assert.equal(imported.status, 422, JSON.stringify(imported.body));
  });
});

describe('D8: an OFX account shows its number', () => {
  test('two checking accounts of one bank, and a card: each named with its number, the card’s masked', async () => {
    const file = ofxFile(
      `<BANKMSGSRSV1>${bankStatement('000123', [movement('1', '20261005', '-1.00', 'A')])}\n${bankStatement('000456', [movement('1', '20261005', '-2.00', 'B')])}</BANKMSGSRSV1>`,
      cardStatement('4111111111111111', [movement('1', '20261006', '-3.00', 'C')]),
    );
    const imported = await upload(file);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    const names = (await list('accounts', imported.body.connection_id)).map((a) => a.name).sort();
    assert.deepEqual(names, ['Checking 000123', 'Checking 000456', 'Credit card 411111******1111']);
  });
});

describe('D3, D4, D5: MT940 and MT942 as banks cut and write them', () => {
  const movements = [
    ':61:2610021002D12,50NMSCNONREF//B1',
    ':86:COMPRA KIOSCO',
    ':61:2610051005C900,00NTRFNONREF//B2',
    ':86:NOMINA OCTUBRE',
  ];
  for (const [start, lines] of [
    [
      'an account line (:25:)',
      [
        ':25:ES9121000418450200051332',
        ':28C:00001/001',
        ':60F:C261001EUR100,00',
        ...movements,
        ':62F:C261031EUR987,50',
      ],
    ],
    ['a statement number (:28C:)', [':28C:00001/001', ':60F:C261001EUR100,00', ...movements]],
    ['an opening balance (:60F:)', [':60F:C261001EUR100,00', ...movements]],
    ['a movement (:61:)', movements],
    [
      'a SWIFT block wrapper, then :61:',
      ['{1:F01BANKESMMAXXX0000000000}{2:I940BANKESMMXXXXN}{4:', ...movements, '-}'],
    ],
  ] as const)
    test(`a fragment starting at ${start} is recognised as MT940 and its movements stored`, async () => {
      const imported = await upload(`${lines.join('\r\n')}\r\n`);
      assert.equal(imported.status, 201, JSON.stringify(imported.body));
      assert.equal(imported.body.format, 'mt940');
      const stored = await list('transactions', imported.body.connection_id);
      assert.deepEqual(
        stored.map((t) => t.amount).sort((a, b) => a - b),
        [-12.5, 900],
      );
    });

  test('a balance without its currency is read in the statement’s, with a warning; no movement lost', async () => {
    const file = [
      ':20:STMT1',
      ':25:ES9121000418450200051332',
      ':60F:C261001EUR100,00',
      ...movements,
      ':62F:C261031987,50',
      '-',
    ];
    const imported = await upload(`${file.join('\n')}\n`);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.ok(
      imported.body.issues.some(
        (i: Json) => i.severity === 'warning' && /:62F: has no currency/.test(i.message),
      ),
      JSON.stringify(imported.body.issues),
    );
    const [account] = await list('accounts', imported.body.connection_id);
    assert.deepEqual([account!.currency, account!.balance], ['EUR', 987.5]);
    assert.equal((await list('transactions', imported.body.connection_id)).length, 2);
  });

  test('a bank’s own letter tags are fields of their own, not text of the movement before', async () => {
    const file = [
      ':20:STMT2',
      ':25:ES9121000418450200051332',
      ':60F:C261001EUR100,00',
      ':61:2610021002D12,50NMSCNONREF',
      ':86:COMPRA KIOSCO',
      ':NS:22BANK INTERNAL',
      ':62F:C261031EUR87,50',
    ];
    const imported = await upload(`${file.join('\n')}\n`);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    const [movement] = await list('transactions', imported.body.connection_id);
    assert.equal(movement!.description, 'COMPRA KIOSCO');
  });

  for (const [source, field] of [
    ['the floor limit (:34F:)', ':34F:CHFD0,'],
    ['the sums (:90D:), after the movements', null],
  ] as const)
    test(`an MT942 report without balances takes its currency from ${source}`, async () => {
      const file = [
        ':20:REPORT1',
        ':25:CH9300762011623852957',
        ':28C:00042/001',
        ...(field ? [field] : []),
        ':13D:2610051200+0100',
        ':61:2610051005D45,00NMSCNONREF',
        ':86:KAFFEE',
        ':90D:1CHF45,00',
        ':90C:0CHF0,00',
        '-',
      ];
      const imported = await upload(`${file.join('\n')}\n`);
      assert.equal(imported.status, 201, JSON.stringify(imported.body));
      const [account] = await list('accounts', imported.body.connection_id);
      assert.equal(account!.currency, 'CHF');
      const [movement] = await list('transactions', imported.body.connection_id);
      assert.equal(movement!.currency, 'CHF');
    });
});

/** Text → bytes in a single-byte encoding (the table read back from TextDecoder). */
function encode(text: string, encoding: string): Buffer {
  const decoder = new TextDecoder(encoding);
  const table = new Map<string, number>();
  for (let byte = 0; byte < 256; byte++) table.set(decoder.decode(Uint8Array.of(byte)), byte);
  return Buffer.from([...text].map((char) => table.get(char) ?? 0x3f));
}

async function uploadBytes(bytes: Buffer, query = '') {
  const response = await ctx.call(token, {
    method: 'POST',
    url: `/v1/imports${query}`,
    headers: { 'content-type': 'application/octet-stream' },
    payload: bytes,
  });
  return { status: response.statusCode, body: response.json() as Json };
}

describe('D6, D7: Central-European exports', () => {
  const czech = [
    'Datum zaúčtování;Datum provedení;Částka CZK;Měna;Název protiúčtu;Zpráva pro příjemce',
    '01.10.2026;30.09.2026;-1 250,00;CZK;Dopravní podnik;Jízdenka čtvrtletní',
    '03.10.2026;03.10.2026;35 000,00;CZK;Zaměstnavatel s.r.o.;Výplata září',
    '05.10.2026;04.10.2026;-389,90;CZK;Lékárna U Zlatého hada;Nákup léků',
  ].join('\r\n');

  test('a Czech bank export in Windows-1250: read as such (said in a warning), its headers understood', async () => {
    const imported = await uploadBytes(encode(czech, 'windows-1250'));
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.ok(
      imported.body.issues.some((i: Json) => /read as Windows-1250/.test(i.message)),
      JSON.stringify(imported.body.issues),
    );
    const stored = await list('transactions', imported.body.connection_id);
    const salary = stored.find((t) => t.amount === 35000)!;
    assert.equal(salary.counterparty, 'Zaměstnavatel s.r.o.');
    assert.equal(salary.description, 'Výplata září');
    // The posting date is the booking date; the execution date, as in English, the value date.
    const fare = stored.find((t) => t.amount === -1250)!;
    assert.deepEqual([fare.operation_date, fare.value_date], ['2026-10-01', '2026-09-30']);
    const [account] = await list('accounts', imported.body.connection_id);
    assert.equal(account!.currency, 'CZK');
  });

  test('the same letters in a Western file stay Windows-1252 (ñ, è, ¿ are letters there)', async () => {
    const spanish = [
      'Fecha;Concepto;Importe',
      '01/10/2026;Cañas y tapas ¿qué más?;-12,50',
      '02/10/2026;Crème brûlée;-4,80',
    ].join('\n');
    const imported = await uploadBytes(encode(spanish, 'windows-1252'));
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    const stored = await list('transactions', imported.body.connection_id);
    assert.deepEqual(stored.map((t) => t.description).sort(), ['Cañas y tapas ¿qué más?', 'Crème brûlée']);
  });

  test('encoding= reads a file as its sender says, and an unknown encoding is a 400', async () => {
    const polish = ['Data księgowania;Opis;Kwota;Waluta', '2026-10-01;Opłata za kartę;-5,00;PLN'].join('\n');
    const imported = await uploadBytes(encode(polish, 'iso-8859-2'), '?encoding=iso-8859-2');
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    const [movement] = await list('transactions', imported.body.connection_id);
    assert.deepEqual(
      [movement!.description, movement!.amount, movement!.currency],
      ['Opłata za kartę', -5, 'PLN'],
    );
    const refused = await uploadBytes(encode(polish, 'iso-8859-2'), '?encoding=klingon');
    assert.equal(refused.status, 400);
  });
});

describe('D9, D10: CSV tables as exports write them', () => {
  test('a repeated header row inside the table is skipped, not counted against the amount column', async () => {
    const csv = [
      'Date,Description,Amount',
      '2026-10-01,BAKERY,-3.20',
      '2026-10-02,PHARMACY,-12.75',
      'Date,Description,Amount',
      '2026-10-03,SALARY,1500.00',
      'Date,Description,Amount',
    ].join('\n');
    const imported = await upload(csv);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.equal((await list('transactions', imported.body.connection_id)).length, 3);
    assert.ok(imported.body.issues.some((i: Json) => /the header row again/.test(i.message)));
  });

  for (const header of ['D/C', 'Cr/Dr', 'Db.Cr', 'D C'])
    test(`an indicator column headed "${header}" sets each amount's sign, whatever its written sign`, async () => {
      const csv = [
        `Date;Description;Amount;${header}`,
        '2026-10-01;GROCERIES;25,00;D',
        '2026-10-02;REFUND;-10,00;C',
        '2026-10-03;RENT;-700,00;DR',
        '2026-10-04;SALARY;1500,00;CR',
      ].join('\n');
      const imported = await upload(csv);
      assert.equal(imported.status, 201, JSON.stringify(imported.body));
      const stored = await list('transactions', imported.body.connection_id);
      assert.deepEqual(Object.fromEntries(stored.map((t) => [t.description, t.amount])), {
        GROCERIES: -25,
        REFUND: 10,
        RENT: -700,
        SALARY: 1500,
      });
    });
});

describe('D11: one CSV of several accounts or currencies', () => {
  test('interleaved rows of two accounts and two currencies: an account each, with its own balance', async () => {
    const csv = [
      'Date,Account,Currency,Description,Amount,Balance',
      '2026-10-01,ES9121000418450200051332,EUR,SALARY,2000.00,2500.00',
      '2026-10-01,ES7620770024003102575766,EUR,RENT IN,700.00,1700.00',
      '2026-10-02,ES9121000418450200051332,USD,CARD FX,-30.00,70.00',
      '2026-10-03,ES9121000418450200051332,EUR,GROCERIES,-80.00,2420.00',
      '2026-10-04,ES7620770024003102575766,EUR,FEE,-5.00,1695.00',
      '2026-10-05,ES9121000418450200051332,USD,REFUND,10.00,80.00',
    ].join('\n');
    const imported = await upload(csv);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.equal(imported.body.summary.accounts, 3);
    assert.ok(
      !imported.body.issues.some((i: Json) => /balance/.test(i.message)),
      `every account's balances agree: ${JSON.stringify(imported.body.issues)}`,
    );
    const accounts = await list('accounts', imported.body.connection_id);
    const movements = await list('transactions', imported.body.connection_id);
    const view = accounts
      .map((a) => [
        a.iban,
        a.currency,
        a.balance,
        movements
          .filter((t) => t.account_id === a.id)
          .map((t) => t.amount)
          .sort((x, y) => x - y),
      ])
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    assert.deepEqual(view, [
      ['ES7620770024003102575766', 'EUR', 1695, [-5, 700]],
      ['ES9121000418450200051332', 'EUR', 2420, [-80, 2000]],
      ['ES9121000418450200051332', 'USD', 80, [-30, 10]],
    ]);
    assert.deepEqual(
      imported.body.summary.balances.map((b: Json) => [b.currency, b.opening, b.closing]).sort(),
      [
        ['EUR', '1000', '1695'],
        ['EUR', '500', '2420'],
        ['USD', '100', '80'],
      ].sort(),
    );
  });
});

describe('every automatic choice is reported', () => {
  test('the summary says what was worked out: encoding, format, and a CSV’s delimiter, decimal mark, date order, columns', async () => {
    const csv = [
      'Fecha;Concepto;Importe;Saldo',
      '03/10/2026;CAFÉ;-2,50;97,50',
      '01/10/2026;INGRESO;100,00;100,00',
    ].join('\n');
    const imported = await uploadBytes(encode(csv, 'windows-1252'));
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.deepEqual(imported.body.summary.detected, {
      encoding: 'windows-1252',
      format: 'csv',
      delimiter: ';',
      decimal: ',',
      date_order: 'dmy',
      header: true,
      columns: { date: 'Fecha', amount: 'Importe', balance: 'Saldo' },
    });
    const given = await uploadBytes(encode(csv, 'windows-1252'), '?encoding=windows-1252&format=csv');
    assert.equal(
      given.body.summary.detected.encoding,
      undefined,
      'what was given is not reported as detected',
    );
    assert.equal(given.body.summary.detected.format, undefined);
  });
});

describe('D12: OFX files of intrabank transfer responses only', () => {
  const transfer = (id: string, amount: string, processed: string) =>
    `<INTRATRNRS><TRNUID>${id}<STATUS><CODE>0<SEVERITY>INFO</STATUS><INTRARS><CURDEF>EUR<SRVRTID>${id}<XFERINFO><BANKACCTFROM><BANKID>0049<ACCTID>ES9121000418450200051332<ACCTTYPE>CHECKING</BANKACCTFROM><BANKACCTTO><BANKID>0049<ACCTID>ES7620770024003102575766<ACCTTYPE>SAVINGS</BANKACCTTO><TRNAMT>${amount}</XFERINFO><XFERPRCSTS><XFERPRCCODE>POSTEDON<DTXFERPRC>${processed}</XFERPRCSTS></INTRARS></INTRATRNRS>`;

  test('each transfer is a movement out of the one account and into the other', async () => {
    const file = ofxFile(
      `<BANKMSGSRSV1>${transfer('T1', '250.00', '20261003')}${transfer('T2', '40.00', '20261010')}</BANKMSGSRSV1>`,
    );
    const imported = await importTwice(file);
    const accounts = await list('accounts', imported.connection_id);
    const movements = await list('transactions', imported.connection_id);
    const byIban = (iban: string) => {
      const account = accounts.find((a) => a.iban === iban)!;
      return movements
        .filter((t) => t.account_id === account.id)
        .map((t) => [t.operation_date, t.amount])
        .sort();
    };
    assert.deepEqual(byIban('ES9121000418450200051332'), [
      ['2026-10-03', -250],
      ['2026-10-10', -40],
    ]);
    assert.deepEqual(byIban('ES7620770024003102575766'), [
      ['2026-10-03', 250],
      ['2026-10-10', 40],
    ]);
  });
});
