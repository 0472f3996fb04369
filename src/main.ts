// Entry point: argv → serve | worker | migrate | clients | keys | import. Nothing else happens here.
import { parseArgs } from 'node:util';
import { clientsCommand } from './cli/clients.ts';
import { importCommand } from './cli/import.ts';
import { keysCommand } from './cli/keys.ts';
import { CliError, cliOutput } from './cli/output.ts';
import { serve } from './cli/serve.ts';
import { worker } from './cli/worker.ts';
import { ConfigError, environmentVariables, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { openRuntime } from './runtime.ts';
import { MasterKeyError } from './security/envelope.ts';
import { DataDirLockedError } from './store/data-dir-lock.ts';

const usage = `Usage: tesoro <command>

  serve                          API, job workers and database in one process (default; npm start)
  worker                         job workers only (scale out on PostgreSQL)
  migrate                        apply database migrations and exit
  clients create --name NAME [--scopes s1,s2] [--json]
  clients list [--json]
  clients rotate-secret ID [--json]
  clients delete ID
  keys rotate [--json]           new token-signing and JWE keys; old ones verify until they expire
  import FILE… [--client ID] [--connection ID] [--format F] [--currency EUR] [--csv-mapping JSON]
         [--dry-run] [--json]    import statement files (--dry-run: parse and summarise only)

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
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command = 'serve', action, target] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(usage);
    return;
  }
  if (!['serve', 'worker', 'migrate', 'clients', 'keys', 'import'].includes(command)) {
    throw new CliError(`Unknown command ${command}\n\n${usage}`);
  }
  const importArgs = {
    files: positionals.slice(1),
    client: values.client,
    connection: values.connection,
    format: values.format,
    currency: values.currency,
    csvMapping: values['csv-mapping'],
  };
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
    if (command === 'migrate') out.result({ migrated: true }, 'Database is up to date.');
    if (command === 'clients') {
      await clientsCommand(runtime, { action, target, name: values.name, scopes: values.scopes }, out);
    }
    if (command === 'keys') await keysCommand(runtime, action, out);
    if (command === 'import') await importCommand(runtime, importArgs, out);
  } finally {
    await runtime.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (
    error instanceof CliError ||
    error instanceof ConfigError ||
    error instanceof DataDirLockedError ||
    error instanceof MasterKeyError
  ) {
    process.stderr.write(`tesoro: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `tesoro: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
