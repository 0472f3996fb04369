// `tesoro import FILE… [--client ID] [--connection ID] [--dry-run] [--json]`: statement files from
// the shell. Each file is first streamed through its parser (a progress bar on stderr for large
// files) and summarised: accounts, movements, date range, balances, issues. `--dry-run` stops
// there and needs no database; otherwise a file without errors is imported for the client, into
// a new statement connection or `--connection`, as POST /v1/imports does: streamed from disk in
// the 1 MiB pieces a stored document has (read again to write it), so a file of any size is
// imported with flat memory.

import fs from 'node:fs';
import path from 'node:path';
import type { CsvMapping } from '../formats/csv/layout.ts';
import { checkCsvMapping } from '../formats/csv/mapping-schema.ts';
import { NAMED_ENCODINGS, type NamedEncoding } from '../formats/encoding.ts';
import { StatementFileReader, supportedFormats } from '../formats/index.ts';
import type { StatementFormat } from '../formats/statement.ts';
import { type FileSummary, summarizing } from '../formats/summary.ts';
import type { Runtime } from '../runtime.ts';
import { importStatementFile } from '../services/imports/import-statement.ts';
import { findClientRow, listClientRows } from '../store/clients.ts';
import { DOCUMENT_PART_BYTES } from '../store/documents.ts';
import { ingestOptionsFor } from '../store/records.ts';
import { CliError, type CliOutput } from './output.ts';
import { type FileProgress, fileProgress } from './progress.ts';

export interface ImportArgs {
  files: string[];
  client: string | undefined;
  connection: string | undefined;
  format: string | undefined;
  currency: string | undefined;
  csvMapping: string | undefined;
  encoding?: string | undefined;
}

/** The options, checked as POST /v1/imports checks them (a usage error names what is wrong). */
function optionsOf(args: ImportArgs): {
  format?: StatementFormat;
  csvMapping?: CsvMapping;
  encoding?: NamedEncoding;
} {
  if (args.format && !supportedFormats.includes(args.format as StatementFormat))
    throw new CliError(`--format must be one of ${supportedFormats.join(', ')}`);
  if (args.encoding !== undefined && !NAMED_ENCODINGS.includes(args.encoding as NamedEncoding))
    throw new CliError(`--encoding must be one of ${NAMED_ENCODINGS.join(', ')}`);
  if (args.currency !== undefined && !/^[A-Z]{3}$/.test(args.currency))
    throw new CliError('--currency must be an ISO 4217 code in capitals, e.g. EUR');
  let csvMapping: CsvMapping | undefined;
  if (args.csvMapping !== undefined) {
    const { mapping, problems } = checkCsvMapping(args.csvMapping);
    if (problems)
      throw new CliError(
        problems[0]?.path.length === 0
          ? '--csv-mapping must be JSON, e.g. \'{"amount": 3, "date_order": "dmy"}\''
          : `--csv-mapping is not a valid mapping: ${problems.map((p) => `${p.path.join('.') || 'mapping'} ${p.message}`).join('; ')}`,
      );
    csvMapping = mapping;
  }
  return {
    format: args.format as StatementFormat | undefined,
    csvMapping,
    ...(args.encoding ? { encoding: args.encoding as NamedEncoding } : {}),
  };
}

/** A file's bytes from disk, in the pieces an import reads (those of a stored document). */
const piecesOfFile = (file: string) => () =>
  fs.createReadStream(file, { highWaterMark: DOCUMENT_PART_BYTES }) as AsyncIterable<Buffer>;

/** Streams one file through its parser, with a progress bar on a terminal for large files. */
async function preview(file: string, args: ImportArgs, progress: FileProgress): Promise<FileSummary> {
  const size = fs.statSync(file).size;
  const { sink, summary } = summarizing();
  const reader = new StatementFileReader(sink, optionsOf(args));
  for await (const chunk of progress.counted('reading', piecesOfFile(file)())) reader.write(chunk);
  reader.close();
  // As the import will (connectors/files/scan.ts): a statement without a currency takes --currency.
  if (args.currency)
    for (const statement of summary.statements)
      if (statement.currency === 'XXX') statement.currency = args.currency;
  summary.format = reader.format;
  if (!reader.format) {
    summary.errors += 1;
    summary.issues.push({
      severity: 'error',
      line: null,
      message:
        size === 0 ? 'the file is empty' : `not a format Tesoro reads (${supportedFormats.join(', ')})`,
    });
  }
  return summary;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd())
    .join('\n');
}

function describe(file: string, summary: FileSummary): string {
  const lines = [
    `${file}: ${summary.format ?? 'unrecognised'}, ${summary.statements.length} statement(s), ` +
      `${summary.transactions} movement(s)` +
      (summary.investment_transactions + summary.positions > 0
        ? `, ${summary.investment_transactions} trade(s), ${summary.positions} position(s)`
        : '') +
      (summary.first_date ? `, ${summary.first_date} → ${summary.last_date}` : ''),
  ];
  if (summary.statements.length > 0)
    lines.push(
      table([
        ['account', 'currency', 'movements', 'first', 'last', 'opening', 'closing'],
        ...summary.statements.map((s) => [
          s.account || '—',
          s.currency,
          String(s.transactions),
          s.first_date ?? '—',
          s.last_date ?? '—',
          s.opening ?? '—',
          s.closing ?? '—',
        ]),
      ]),
    );
  lines.push(`  issues: ${summary.errors} error(s), ${summary.warnings} warning(s)`);
  for (const issue of summary.issues.slice(0, 20))
    lines.push(`    ${issue.severity} ${issue.line === null ? '' : `line ${issue.line}: `}${issue.message}`);
  return lines.join('\n');
}

export async function importCommand(
  runtime: Runtime | null,
  args: ImportArgs,
  out: CliOutput,
): Promise<void> {
  if (args.files.length === 0) throw new CliError('import needs at least one FILE');
  for (const file of args.files) if (!fs.existsSync(file)) throw new CliError(`No such file: ${file}`);
  const results: Array<{ file: string; summary: FileSummary; import?: unknown }> = [];
  const texts: string[] = [];
  let failed = false;
  for (const file of args.files) {
    const progress = fileProgress(file, fs.statSync(file).size);
    const summary = await preview(file, args, progress);
    const entry: { file: string; summary: FileSummary; import?: unknown } = { file, summary };
    let text = describe(file, summary);
    if (runtime && summary.errors === 0 && summary.statements.length > 0) {
      const clientId = await clientOf(runtime, args.client);
      const options = optionsOf(args);
      const deps = {
        db: runtime.database.db,
        now: () => new Date(),
        registry: runtime.registry,
        logger: runtime.logger,
        ingest: ingestOptionsFor(runtime.database),
      };
      // The import reads the file twice: once to check it whole, once to store it.
      const phases = ['checking', 'storing'];
      const result = await importStatementFile(deps, clientId, {
        pieces: () => progress.counted(phases.shift() ?? 'storing', piecesOfFile(file)()),
        contentType: 'application/octet-stream',
        filename: path.basename(file),
        format: options.format,
        connectionId: args.connection,
        currency: args.currency,
        csvMapping: options.csvMapping,
        encoding: options.encoding,
      });
      entry.import = result;
      const counts = result.summary as { added?: number; modified?: number };
      text += `\n  imported: ${result.id} into connection ${result.connection_id} (${counts.added ?? 0} added, ${counts.modified ?? 0} modified)`;
    } else if (runtime) {
      failed = true;
      text += '\n  not imported: the file has errors or no statements';
    }
    if (!runtime && summary.errors > 0) failed = true;
    results.push(entry);
    texts.push(text);
  }
  out.result(results, texts.join('\n\n'));
  if (failed) process.exitCode = 1;
}

/** The client to import for: --client, or the only client there is. */
async function clientOf(runtime: Runtime, client: string | undefined): Promise<string> {
  const db = runtime.database.db;
  if (client) {
    const found = await findClientRow(db, client);
    if (!found) throw new CliError(`No client ${client} (tesoro clients list)`);
    return found.id;
  }
  const clients = await listClientRows(db);
  if (clients.length !== 1)
    throw new CliError('import needs --client ID when there is not exactly one client (tesoro clients list)');
  return clients[0]!.id;
}
