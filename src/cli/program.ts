// The command line as a commander program: every command with its own --help, its options and
// their values checked before anything opens, `tesoro --version`. Each action opens what it needs
// (a simulator and a dry run need no database) and hands over to its file in cli/.
import { Argument, Command, type CommanderError, Option } from 'commander';
import { environmentVariables, loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { openRuntime, type Runtime } from '../runtime.ts';
import { appliedSchema } from '../store/database.ts';
import { packageVersion } from '../version.ts';
import { type ClientsArgs, clientsCommand } from './clients.ts';
import { type ImportArgs, importCommand } from './import.ts';
import { keysCommand } from './keys.ts';
import { type CliOutput, cliOutput } from './output.ts';
import { partitionCommand } from './partition.ts';
import { serve } from './serve.ts';
import { simulateCommand, simulators } from './simulate.ts';
import { worker } from './worker.ts';

/** A commander refusal (unknown option, missing argument…) with the command it was about. */
export type UsageError = CommanderError & { commandPath: string };

/** Opens the runtime for a short command, runs it, closes it. Logs go to stderr, warnings only. */
async function once(
  name: string,
  json: boolean,
  run: (runtime: Runtime, out: CliOutput) => Promise<void>,
): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
  const runtime = await openRuntime(config, logger, `tesoro ${name}`);
  try {
    await run(runtime, cliOutput(json));
  } finally {
    await runtime.close();
  }
}

/** serve and worker: logs on stdout at the configured level; they run until a signal. */
async function longRunning(name: 'serve' | 'worker'): Promise<void> {
  const config = loadConfig();
  // On a terminal, readable lines; under a process manager or in a container, JSON.
  const logger = createLogger(config.logLevel, undefined, process.stdout.isTTY === true);
  const runtime = await openRuntime(config, logger, `tesoro ${name}`);
  return name === 'serve' ? serve(runtime) : worker(runtime);
}

const jsonOption = () => new Option('--json', 'print the result as JSON (for scripts)');

export function buildProgram(): Command {
  const program = new Command('tesoro')
    .description('Tesoro: self-hosted financial data aggregation API')
    .version(packageVersion, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addHelpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    // main.ts prints refusals on one line with where to look; commander's own lines are dropped.
    .configureOutput({ outputError: () => {} })
    .addHelpText(
      'after',
      `\nEnvironment:\n${environmentVariables.map((v) => `  ${v.name.padEnd(28)} ${v.description}`).join('\n')}\n`,
    );
  program
    .command('serve')
    .description('API, job workers and database in one process (the default; what npm start runs)')
    .action(() => longRunning('serve'));

  program
    .command('worker')
    .description('job workers only (scale out beside API processes on PostgreSQL)')
    .action(() => longRunning('worker'));

  program
    .command('migrate')
    .description('apply the database migrations, say which, and exit')
    .addOption(jsonOption())
    .action((options: { json?: boolean }) =>
      once('migrate', options.json ?? false, async (runtime, out) => {
        const { migrated } = runtime;
        const schema = await appliedSchema(runtime.database);
        out.result(
          { applied: migrated, schema },
          migrated.length > 0
            ? `Applied ${migrated.length} migration${migrated.length === 1 ? '' : 's'}: ${migrated.join(', ')}.\nThe database is at ${schema}.`
            : `Nothing to apply: the database is up to date (${schema}).`,
        );
      }),
    );

  const clients = program.command('clients').description('manage API clients');
  const clientsAction = (args: Partial<ClientsArgs> & Pick<ClientsArgs, 'action'>, json = false) =>
    once('clients', json, (runtime, out) =>
      clientsCommand(runtime, { target: undefined, name: undefined, scopes: undefined, ...args }, out),
    );
  clients
    .command('create')
    .description('create a client; its secret is printed once')
    .requiredOption('--name <name>', 'what the client is (shown in lists and the dashboard)')
    .option('--scopes <scopes>', 'comma-separated scopes (default: all)')
    .addOption(jsonOption())
    .action((options: { name: string; scopes?: string; json?: boolean }) =>
      clientsAction({ action: 'create', name: options.name, scopes: options.scopes }, options.json),
    );
  clients
    .command('list')
    .description('list the clients')
    .addOption(jsonOption())
    .action((options: { json?: boolean }) => clientsAction({ action: 'list' }, options.json));
  clients
    .command('rotate-secret')
    .description('a new secret for a client (the old one stops working at once)')
    .argument('<id>', 'the client id (cli_…)')
    .addOption(jsonOption())
    .action((id: string, options: { json?: boolean }) =>
      clientsAction({ action: 'rotate-secret', target: id }, options.json),
    );
  clients
    .command('delete')
    .description('delete a client and everything it owns')
    .argument('<id>', 'the client id (cli_…)')
    .addOption(jsonOption())
    .action((id: string, options: { json?: boolean }) =>
      clientsAction({ action: 'delete', target: id }, options.json),
    );

  program
    .command('keys')
    .description('manage the server keys')
    .command('rotate')
    .description('new token-signing and JWE keys; the old ones verify until they expire')
    .addOption(jsonOption())
    .action((options: { json?: boolean }) =>
      once('keys', options.json ?? false, (runtime, out) => keysCommand(runtime, 'rotate', out)),
    );

  program
    .command('import')
    .description(
      'import statement files for a client (each is first read and summarised; --dry-run stops there, with no database)',
    )
    .argument('<files...>', 'statement files: OFX/QFX, camt.05x, MT940/942, Norma 43, QIF, CSV')
    .option('--client <id>', 'the client to import for (default: the only one)')
    .option('--connection <id>', 'add to this statement connection instead of a new one')
    .option('--format <format>', 'the format, when detection should not decide')
    .option('--currency <code>', 'ISO 4217 currency for files that carry none (e.g. EUR)')
    .option('--csv-mapping <json>', 'CSV only: which column holds what, as JSON')
    .option('--encoding <encoding>', 'the files’ encoding, when you know it (e.g. windows-1250)')
    .option('--dry-run', 'read and summarise only: nothing is stored, no database needed')
    .addOption(jsonOption())
    .action(
      (
        files: string[],
        options: Omit<ImportArgs, 'files' | 'csvMapping'> & {
          csvMapping?: string;
          dryRun?: boolean;
          json?: boolean;
        },
      ) => {
        const args: ImportArgs = {
          files,
          client: options.client,
          connection: options.connection,
          format: options.format,
          currency: options.currency,
          csvMapping: options.csvMapping,
          encoding: options.encoding,
        };
        const json = options.json ?? false;
        // A dry run only reads the files: no configuration, no database.
        if (options.dryRun) return importCommand(null, args, cliOutput(json));
        return once('import', json, (runtime, out) => importCommand(runtime, args, out));
      },
    );

  program
    .command('partition')
    .description('partition the record tables by client (docs/scaling.md; stop the workers first)')
    .requiredOption('--partitions <n>', 'how many partitions')
    .addOption(jsonOption())
    .action((options: { partitions: string; json?: boolean }) =>
      once('partition', options.json ?? false, (runtime, out) =>
        partitionCommand(runtime, options.partitions, out),
      ),
    );

  program
    .command('dev')
    .description('development helpers')
    .command('simulate')
    .description('run a local simulator of an upstream for a demo (prints how to start Tesoro)')
    .addArgument(new Argument('<upstream>', 'the upstream to simulate').choices(simulators))
    // A simulator needs no database: only where Tesoro will be reached, for its callback.
    .action((upstream: string) => simulateCommand(upstream, loadConfig().publicUrl));

  // Every command's refusals are thrown (not exited on) with the command they are about, so the
  // message can name the right --help.
  const throwWithPath = (command: Command, path: string) => {
    command.exitOverride((error) => {
      throw Object.assign(error, { commandPath: path });
    });
    for (const sub of command.commands) throwWithPath(sub, `${path} ${sub.name()}`);
  };
  throwWithPath(program, 'tesoro');
  return program;
}
