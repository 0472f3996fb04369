// Entry point: argv → serve | worker | migrate | clients | keys | import | partition | dev. Nothing else happens here.
import { parseArgs } from 'node:util';
import { clientsCommand } from './cli/clients.ts';
import { importCommand } from './cli/import.ts';
import { keysCommand } from './cli/keys.ts';
import { CliError, cliOutput } from './cli/output.ts';
import { partitionCommand } from './cli/partition.ts';
import { serve } from './cli/serve.ts';
import { simulateCommand, simulators } from './cli/simulate.ts';
import { worker } from './cli/worker.ts';
import { ConfigError, environmentVariables, loadConfig } from './config.ts';
import { ConnectorConfigError } from './connectors/registry.ts';
import { AppError } from './domain/errors.ts';
import { createLogger } from './logger.ts';
import { openRuntime } from './runtime.ts';
import { MasterKeyError } from './security/envelope.ts';
import { DataDirLockedError } from './store/data-dir-lock.ts';
import { appliedSchema } from './store/database.ts';

const usage = `Usage: tesoro <command>

  serve                          API, job workers and database in one process (default; npm start)
  worker                         job workers only (scale out on PostgreSQL)
  migrate                        apply database migrations and exit
  clients create --name NAME [--scopes s1,s2] [--json]
  clients list [--json]
  clients rotate-secret ID [--json]
  clients delete ID
  keys rotate [--json]           new token-signing and JWE keys; old ones verify until they expire
  import FILE… [--client ID] [--connection ID] [--format F] [--currency EUR] [--csv-mapping JSON] [--encoding windows-1250]
         [--dry-run] [--json]    import statement files (--dry-run: parse and summarise only)
  partition --partitions N [--json]
                                 partition the record tables by client (docs/scaling.md; workers stopped)
  dev simulate ${simulators.join('|')}
                                 run a local simulator of an upstream for a demo (prints how to start Tesoro)

Environment:
${environmentVariables.map((v) => `  ${v.name.padEnd(20)} ${v.description}`).join('\n')}
`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      json: { type: 'boolean', default: false },
      client: { type: 'string' },
      connection: { type: 'string' },
      format: { type: 'string' },
      currency: { type: 'string' },
      'csv-mapping': { type: 'string' },
      encoding: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      partitions: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command = 'serve', action, target] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(usage);
    return;
  }
  if (!['serve', 'worker', 'migrate', 'clients', 'keys', 'import', 'partition', 'dev'].includes(command)) {
    throw new CliError(`Unknown command ${command}\n\n${usage}`);
  }
  const importArgs = {
    files: positionals.slice(1),
    client: values.client,
    connection: values.connection,
    format: values.format,
    currency: values.currency,
    csvMapping: values['csv-mapping'],
    encoding: values.encoding,
  };
  // A simulator needs no database: only where Tesoro will be reached, for its callback.
  if (command === 'dev') {
    if (action !== 'simulate') throw new CliError(`Unknown command dev ${action ?? ''}\n\n${usage}`);
    return simulateCommand(target, loadConfig().publicUrl);
  }
  // A dry run only reads the files: no configuration, no database.
  if (command === 'import' && values['dry-run'])
    return importCommand(null, importArgs, cliOutput(values.json));

  const config = loadConfig();
  const longRunning = command === 'serve' || command === 'worker';
  // Commands print their result on stdout; their logs go to stderr, warnings only.
  const logger = longRunning
    ? createLogger(config.logLevel)
    : createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
  const runtime = await openRuntime(config, logger, `tesoro ${command}`);
  if (command === 'serve') return serve(runtime);
  if (command === 'worker') return worker(runtime);
  try {
    const out = cliOutput(values.json);
    if (command === 'migrate') {
      const { migrated } = runtime;
      const schema = await appliedSchema(runtime.database);
      out.result(
        { applied: migrated, schema },
        migrated.length > 0
          ? `Applied ${migrated.length} migration${migrated.length === 1 ? '' : 's'}: ${migrated.join(', ')}.\nThe database is at ${schema}.`
          : `Nothing to apply: the database is up to date (${schema}).`,
      );
    }
    if (command === 'clients') {
      await clientsCommand(runtime, { action, target, name: values.name, scopes: values.scopes }, out);
    }
    if (command === 'keys') await keysCommand(runtime, action, out);
    if (command === 'import') await importCommand(runtime, importArgs, out);
    if (command === 'partition') await partitionCommand(runtime, values.partitions, out);
  } finally {
    await runtime.close();
  }
}

/** Errors that are the caller's to fix (exit 2) and whose message says it all. */
const isUsageError = (error: unknown) =>
  error instanceof CliError ||
  error instanceof ConfigError ||
  error instanceof DataDirLockedError ||
  error instanceof MasterKeyError ||
  error instanceof ConnectorConfigError ||
  (typeof (error as { code?: unknown })?.code === 'string' &&
    (error as { code: string }).code.startsWith('ERR_PARSE_ARGS_'));

/**
 * What a failure says in one line: the API's own errors, a database that cannot be reached or
 * does not exist, a port in use, a data directory that is not one. Anything else is unexpected:
 * its stack is printed too.
 */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (error instanceof AppError) return error.message;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `cannot reach the database: ${error.message}`;
  if (code === '3D000' || code === '28P01' || code === '28000')
    return `the database refused the connection: ${error.message}`;
  if (code === '42501')
    return `the database role lacks a right Tesoro needs (${error.message}): give Tesoro a database its role owns (README: On PostgreSQL)`;
  if (code === 'EADDRINUSE') return `the port is already in use: ${error.message}`;
  if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EACCES')
    return `the data directory cannot be used: ${error.message}`;
  return error.stack ?? error.message;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (isUsageError(error)) {
    process.stderr.write(`tesoro: ${(error as Error).message}\n`);
    process.exit(2);
  }
  process.stderr.write(`tesoro: ${describeFailure(error)}\n`);
  process.exit(1);
});
