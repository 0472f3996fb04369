// npm run bench:parse — statement parsing speed and memory.
//
// 1. Side by side on the same bytes: Tesoro's OFX and MT940 parsers against the npm parsers for
//    those formats (ofx-js, node-ofx-parser, ofx-data-extractor; mt940js, mt940-js), on the shared
//    corpus files each of them reads (STATEMENTS_DIR, else ../shared/statements beside the
//    repository; left out, with a message, when there is none) and on a generated file of
//    BENCH_PARSE_PEER_MB (default 20) MB; camt and CSV against the bare tokenizers Tesoro's
//    parsers stand on (saxes with empty handlers, csv-parse's stream), both streamed from disk
//    like Tesoro: the ceiling for those two.
// 2. The API's path: a generated file of BENCH_PARSE_PEER_MB MB per format, in memory, parsed whole.
// 3. Tesoro alone on a generated file of BENCH_PARSE_MB (default 500) MB per format, streamed from
//    disk in 64 KB pieces: throughput end to end (bytes → decoded text → movements) and peak RSS
//    growth, which must stay flat whatever the size.
// Every measurement runs in a fresh child process, so peak memory is the parser's own.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as csvParse } from 'csv-parse';
import { SaxesParser } from 'saxes';
import { parseStatementFile, StatementFileReader } from '../src/formats/index.ts';
import type { StatementSink } from '../src/formats/stream.ts';

const here = fileURLToPath(import.meta.url);
const MB = 1024 * 1024;

// ─── generated files ────────────────────────────────────────────────────────────────────────────
// One statement whose movements alternate +12.34 / −12.34 (so the balances agree), written until
// the file reaches the size asked for: the largest single statement is the hard case for memory.

type Generated = 'ofx' | 'mt940' | 'camt' | 'norma43' | 'qif' | 'csv';

function generator(format: Generated): { head: string; item: (i: number) => string; tail: string } {
  const day = (i: number) =>
    `2026${String(1 + ((i >> 5) % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}`;
  const sign = (i: number) => (i % 2 === 0 ? '' : '-');
  switch (format) {
    case 'ofx':
      return {
        head:
          'OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n\n' +
          '<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261122</SONRS></SIGNONMSGSRSV1>' +
          '<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>EUR' +
          '<BANKACCTFROM><BANKID>2100<ACCTID>ES7921000813610123456789<ACCTTYPE>CHECKING</BANKACCTFROM>' +
          '<BANKTRANLIST><DTSTART>20260101<DTEND>20261231\n',
        item: (i) =>
          `<STMTTRN>\n<TRNTYPE>${i % 2 ? 'DEBIT' : 'CREDIT'}\n<DTPOSTED>${day(i)}\n<TRNAMT>${sign(i)}12.34\n<FITID>T${i}\n<NAME>COMERCIO ${i % 997}\n<MEMO>Compra con tarjeta ${i}\n</STMTTRN>\n`,
        tail: '</BANKTRANLIST><LEDGERBAL><BALAMT>1000.00<DTASOF>20261231</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n',
      };
    case 'mt940':
      return {
        head: ':20:STARTUMS\r\n:25:DE89370400440532013000\r\n:28C:00001/001\r\n:60F:C260101EUR1000,00\r\n',
        item: (i) =>
          `:61:${day(i).slice(2)}${day(i).slice(4)}${i % 2 ? 'D' : 'C'}12,34NTRFNONREF//${i}\r\n:86:166?00GUTSCHRIFT?20EREF+${i}?21SVWZ+Rechnung ${i % 997}?32Firma ${i % 89} GmbH\r\n`,
        tail: ':62F:C261231EUR1000,00\r\n-\r\n',
      };
    case 'camt':
      return {
        head:
          '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>' +
          '<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-22T10:00:00</CreDtTm></GrpHdr><Stmt><Id>S1</Id>' +
          '<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>' +
          '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-01-01</Dt></Dt></Bal>' +
          '<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-12-31</Dt></Dt></Bal>\n',
        item: (i) => {
          const d = day(i);
          return `<Ntry><Amt Ccy="EUR">12.34</Amt><CdtDbtInd>${i % 2 ? 'DBIT' : 'CRDT'}</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}</Dt></BookgDt><AcctSvcrRef>R${i}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Cdtr><Nm>Empresa ${i % 89}</Nm></Cdtr></RltdPties><RmtInf><Ustrd>Factura ${i}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n`;
        },
        tail: '</Stmt></BkToCstmrStmt></Document>\n',
      };
    case 'norma43': {
      // AEB Cuaderno 43 records (80 characters): 11 account, 22 movement + 23 concept, 33 totals, 88 end.
      const account = '20590060' + '8000314221';
      return {
        head: `11${account}260101261231200000000100000978${'3'}${'ACME SL'.padEnd(26)}   \r\n`,
        item: (i) => {
          const d = day(i).slice(2);
          return (
            `22    0001${d}${d}12000${i % 2 ? '1' : '2'}000000000012340000000000${String(i).padStart(12, '0')}${''.padEnd(16)}\r\n` +
            `2301${`COMPRA TARJETA ${i}`.padEnd(38)}${''.padEnd(38)}\r\n`
          );
        },
        tail: `33${account}00000${'0'.repeat(14)}00000${'0'.repeat(14)}200000000100000978    \r\n88${'9'.repeat(18)}000001${''.padEnd(54)}\r\n`,
      };
    }
    case 'qif':
      return {
        head: '!Type:Bank\n',
        item: (i) => {
          const d = day(i);
          return `D${d.slice(6)}/${d.slice(4, 6)}/${d.slice(0, 4)}\nT${sign(i)}12.34\nPComercio ${i % 997}\nMCompra ${i}\nLFood\n^\n`;
        },
        tail: '',
      };
    case 'csv':
      return {
        head: 'Fecha;Concepto;Importe;Divisa;Saldo\n',
        item: (i) => {
          const d = day(i);
          return `${d.slice(6)}/${d.slice(4, 6)}/${d.slice(0, 4)};"Compra ${i}; comercio ${i % 997}";${sign(i)}12,34;EUR;${i % 2 ? '1000,00' : '1012,34'}\n`;
        },
        tail: '',
      };
  }
}

function generate(format: Generated, megabytes: number, dir: string): string {
  const file = path.join(dir, `bench-${megabytes}mb.${format}`);
  if (fs.existsSync(file)) return file;
  const { head, item, tail } = generator(format);
  const fd = fs.openSync(`${file}.part`, 'w');
  fs.writeSync(fd, head);
  let size = head.length;
  let chunk = '';
  for (let i = 0; size < megabytes * MB; i += 1) {
    const text = item(i);
    chunk += text;
    size += text.length;
    if (chunk.length > MB) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk + tail);
  fs.closeSync(fd);
  fs.renameSync(`${file}.part`, file);
  return file;
}

// ─── one measurement (run in a child process) ───────────────────────────────────────────────────

interface Measure {
  seconds: number;
  bytes: number;
  movements: number;
  rssGrowthMb: number;
}

function tesoroSink(counter: { movements: number }): StatementSink {
  const ignore = () => {};
  return {
    begin: ignore,
    end: ignore,
    issue: ignore,
    transaction: () => {
      counter.movements += 1;
    },
  };
}

async function measure(parser: string, file: string): Promise<Measure> {
  const baseline = process.memoryUsage().rss;
  const started = performance.now();
  const bytes = fs.statSync(file).size;
  let movements = 0;
  let peak = baseline;
  if (parser === 'saxes') {
    // The XML tokenizer alone, with the options Tesoro's camt parser uses: the floor for camt.
    const xml = new SaxesParser({ position: true });
    xml.on('opentag', (tag) => {
      if (tag.name === 'Ntry') movements += 1;
    });
    xml.on('text', () => {});
    xml.on('closetag', () => {});
    const decoder = new TextDecoder();
    for await (const piece of fs.createReadStream(file, { highWaterMark: 64 * 1024 }))
      xml.write(decoder.decode(piece as Buffer, { stream: true }));
    xml.close();
  } else if (parser === 'csv-parse') {
    // csv-parse's stream, records only (the generated file's delimiter): the floor it would set.
    const records = fs
      .createReadStream(file, { highWaterMark: 64 * 1024 })
      .pipe(csvParse({ delimiter: ';', relax_column_count: true, from_line: 2 }));
    for await (const _record of records) movements += 1;
  } else if (parser === 'tesoro-in-memory') {
    // The API's path: the request body is a buffer, parsed whole and collected.
    const result = parseStatementFile(fs.readFileSync(file));
    for (const statement of result?.statements ?? []) movements += statement.transactions.length;
  } else if (parser === 'tesoro') {
    const counter = { movements: 0 };
    const reader = new StatementFileReader(tesoroSink(counter));
    const fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(64 * 1024);
    for (let read = fs.readSync(fd, buffer); read > 0; read = fs.readSync(fd, buffer)) {
      reader.write(buffer.subarray(0, read));
      if ((counter.movements & 0x3ff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    fs.closeSync(fd);
    reader.close();
    movements = counter.movements;
  } else {
    const text = fs.readFileSync(file, 'utf8');
    movements = await peerParse(parser, text);
  }
  const seconds = (performance.now() - started) / 1000;
  // ru_maxrss is the process's peak (KB): it also catches the peaks between samples.
  peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  return { seconds, bytes, movements, rssGrowthMb: (peak - baseline) / MB };
}

/** The npm parsers, each through its documented entry point; returns the movements it found. */
async function peerParse(parser: string, text: string): Promise<number> {
  // biome-ignore lint/suspicious/noExplicitAny: the peers' untyped results
  const count = (list: any) => (Array.isArray(list) ? list.length : list ? 1 : 0);
  switch (parser) {
    case 'ofx-js': {
      const { parse } = await import('ofx-js');
      const result = await parse(text);
      return count(result.OFX?.BANKMSGSRSV1?.STMTTRNRS?.STMTRS?.BANKTRANLIST?.STMTTRN);
    }
    case 'node-ofx-parser': {
      const { default: ofx } = await import('node-ofx-parser');
      const result = ofx.parse(text);
      return count(result.OFX?.BANKMSGSRSV1?.STMTTRNRS?.STMTRS?.BANKTRANLIST?.STMTTRN);
    }
    case 'ofx-data-extractor': {
      const { Ofx } = await import('ofx-data-extractor');
      return new Ofx(text).getBankTransferList().length;
    }
    case 'mt940js': {
      const { default: mt940 } = await import('mt940js');
      // biome-ignore lint/suspicious/noExplicitAny: untyped
      return new mt940.Parser().parse(text).reduce((n: number, s: any) => n + s.transactions.length, 0);
    }
    case 'mt940-js': {
      const { read } = await import('mt940-js');
      // biome-ignore lint/suspicious/noExplicitAny: untyped
      return (await read(Buffer.from(text))).reduce((n: number, s: any) => n + s.transactions.length, 0);
    }
    default:
      throw new Error(`unknown parser ${parser}`);
  }
}

/**
 * Tesoro's parsers run with a small heap (BENCH_PARSE_HEAP_MB, default 128): finishing a 500 MB file
 * under it shows that what they hold does not grow with the file. The npm parsers get 4 GB.
 */
const TESORO_HEAP_MB = Number(process.env.BENCH_PARSE_HEAP_MB ?? 128);

function inChild(parser: string, file: string): Measure | { error: string } {
  const heap = parser === 'tesoro' ? TESORO_HEAP_MB : 4096;
  try {
    const out = execFileSync(
      process.execPath,
      [`--max-old-space-size=${heap}`, here, 'measure', parser, file],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 20 * 60_000,
      },
    );
    return JSON.parse(out.trim().split('\n').at(-1)!) as Measure;
  } catch (error) {
    const message = String((error as { stderr?: string }).stderr ?? error);
    return {
      error: /heap out of memory/.test(message)
        ? 'out of memory'
        : (message
            .split('\n')
            // The thrown error's own line ("Error: …"), not the source line Node quotes above it.
            .find((l) => /^\w*Error: /.test(l))
            ?.slice(0, 80) ?? 'failed'),
    };
  }
}

/** How a parser is named in the tables: the bare tokenizers are baselines, not statement parsers. */
const label = (parser: string) =>
  parser === 'saxes' || parser === 'csv-parse' ? `${parser} alone (baseline)` : parser;

// ─── the run ────────────────────────────────────────────────────────────────────────────────────

const fmt = (n: number, digits = 1) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * The shared statement corpus (never copied into the project): STATEMENTS_DIR when set, else
 * shared/statements beside the repository; null when neither holds it.
 */
function corpusDir(): string | null {
  const repository = path.resolve(path.dirname(here), '..');
  const dir = process.env.STATEMENTS_DIR
    ? path.resolve(process.env.STATEMENTS_DIR)
    : path.resolve(repository, '..', 'shared', 'statements');
  return fs.existsSync(path.join(dir, 'EXPECTED.json')) ? dir : null;
}

/** Every corpus file of a format, concatenated into one run per parser (files it fails on are left out for it). */
async function corpusRun(
  dir: string,
  format: 'ofx' | 'mt940',
  parsers: string[],
  repeat: number,
): Promise<string[]> {
  const files = fs
    .readdirSync(path.join(dir, format), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
  const rows: string[] = [];
  for (const parser of parsers) {
    let ok = 0;
    let bytes = 0;
    let seconds = 0;
    for (const file of files) {
      const buffer = fs.readFileSync(file);
      const text = buffer.toString('utf8');
      try {
        const started = performance.now();
        for (let i = 0; i < repeat; i += 1) {
          if (parser === 'tesoro') {
            const reader = new StatementFileReader(tesoroSink({ movements: 0 }), { format });
            reader.write(buffer);
            reader.close();
          } else await peerParse(parser, text);
        }
        seconds += (performance.now() - started) / 1000;
        bytes += buffer.length * repeat;
        ok += 1;
      } catch {
        // This parser cannot read this file: it is left out of its throughput.
      }
    }
    rows.push(
      `| ${format} corpus (${files.length} files × ${repeat}) | ${parser} | ${ok}/${files.length} | ${fmt(bytes / MB / seconds)} | — |`,
    );
  }
  return rows;
}

async function main(): Promise<void> {
  // `generate FORMAT MB DIR`: only write a generated file (to profile one parser on it).
  if (process.argv[2] === 'generate') {
    console.log(generate(process.argv[3] as Generated, Number(process.argv[4]), process.argv[5]!));
    return;
  }
  if (process.argv[2] === 'measure') {
    const result = await measure(process.argv[3]!, process.argv[4]!);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const bigMb = Number(process.env.BENCH_PARSE_MB ?? 500);
  const peerMb = Number(process.env.BENCH_PARSE_PEER_MB ?? 20);
  const dir = process.env.BENCH_PARSE_DIR ?? path.join(os.tmpdir(), 'tesoro-bench-parse');
  fs.mkdirSync(dir, { recursive: true });
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `Machine: ${cpu}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 1024 ** 3, 0)} GiB, ${os.type()} ${os.release()}; Node ${process.version}\n`,
  );

  const corpus = corpusDir();
  console.log('### Side by side (same bytes, one run)\n');
  if (!corpus)
    console.log(
      'The corpus rows are left out: no statement corpus (set STATEMENTS_DIR, or put it at ../shared/statements beside the repository).\n',
    );
  console.log('| input | parser | files read | MB/s | peak RSS growth |');
  console.log('|---|---|---|---|---|');
  const peers = {
    ofx: ['tesoro', 'ofx-js', 'node-ofx-parser', 'ofx-data-extractor'],
    mt940: ['tesoro', 'mt940js', 'mt940-js'],
    camt: ['tesoro', 'saxes'],
    csv: ['tesoro', 'csv-parse'],
  };
  for (const format of ['ofx', 'mt940', 'camt', 'csv'] as const) {
    if (corpus && (format === 'ofx' || format === 'mt940'))
      for (const row of await corpusRun(corpus, format, peers[format], 20)) console.log(row);
    const file = generate(format, peerMb, dir);
    for (const parser of peers[format]) {
      const result = inChild(parser, file);
      if ('error' in result)
        console.log(`| ${format} generated ${peerMb} MB | ${label(parser)} | ${result.error} | — | — |`);
      else
        console.log(
          `| ${format} generated ${peerMb} MB (${fmt(result.movements, 0)} movements) | ${label(parser)} | 1/1 | ${fmt(result.bytes / MB / result.seconds)} | ${fmt(result.rssGrowthMb, 0)} MB |`,
        );
    }
  }

  console.log(
    `\n### A file in memory, parsed whole and collected (the API's path), ${peerMb} MB per format\n`,
  );
  console.log('| format | size | movements | seconds | MB/s | peak RSS growth |');
  console.log('|---|---|---|---|---|---|');
  for (const format of ['ofx', 'mt940', 'camt', 'norma43', 'qif', 'csv'] as const) {
    const result = inChild('tesoro-in-memory', generate(format, peerMb, dir));
    if ('error' in result) console.log(`| ${format} | ${peerMb} MB | ${result.error} | | | |`);
    else
      console.log(
        `| ${format} | ${fmt(result.bytes / MB, 0)} MB | ${fmt(result.movements, 0)} | ${fmt(result.seconds)} | ${fmt(result.bytes / MB / result.seconds)} | ${fmt(result.rssGrowthMb, 0)} MB |`,
      );
  }

  console.log(
    `\n### Tesoro alone, ${bigMb} MB per format, streamed from disk (heap capped at ${TESORO_HEAP_MB} MB)\n`,
  );
  console.log('| format | size | movements | seconds | MB/s | peak RSS growth |');
  console.log('|---|---|---|---|---|---|');
  for (const format of ['ofx', 'mt940', 'camt', 'norma43', 'qif', 'csv'] as const) {
    const file = generate(format, bigMb, dir);
    const result = inChild('tesoro', file);
    if ('error' in result) console.log(`| ${format} | ${bigMb} MB | ${result.error} | | | |`);
    else
      console.log(
        `| ${format} | ${fmt(result.bytes / MB, 0)} MB | ${fmt(result.movements, 0)} | ${fmt(result.seconds)} | ${fmt(result.bytes / MB / result.seconds)} | ${fmt(result.rssGrowthMb, 0)} MB |`,
      );
    if (!process.env.BENCH_PARSE_KEEP) fs.rmSync(file);
  }
  if (!process.env.BENCH_PARSE_KEEP)
    for (const format of ['ofx', 'mt940', 'camt', 'norma43', 'qif', 'csv'] as const)
      fs.rmSync(path.join(dir, `bench-${peerMb}mb.${format}`), { force: true });
}

await main();
