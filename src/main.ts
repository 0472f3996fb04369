// Entry point: argv → the command line (cli/program.ts), and every failure on one line.

// First: the GC setting applies to everything allocated after it.
import './heap-growth.ts';
import { CliError } from './cli/output.ts';
import { buildProgram, type UsageError } from './cli/program.ts';
import { ConfigError } from './config.ts';
import { ConnectorConfigError } from './connectors/registry.ts';
import { AppError } from './domain/errors.ts';
import { MasterKeyError } from './security/envelope.ts';
import { DataDirLockedError } from './store/data-dir-lock.ts';

/** commander's own refusal or exit (help, version): it says which by a `commander.` code. */
const isCommanderExit = (error: unknown): error is UsageError =>
  typeof (error as { code?: unknown })?.code === 'string' &&
  (error as { code: string }).code.startsWith('commander.');

/** Errors that are the caller's to fix (exit 2) and whose message says it all. */
const isUsageError = (error: unknown) =>
  error instanceof CliError ||
  error instanceof ConfigError ||
  error instanceof DataDirLockedError ||
  error instanceof MasterKeyError ||
  error instanceof ConnectorConfigError;

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

// No command at all is `serve` (npm start, a container's entrypoint).
const argv = process.argv.length > 2 ? process.argv : [...process.argv, 'serve'];
buildProgram()
  .parseAsync(argv)
  .catch((error: unknown) => {
    if (isCommanderExit(error)) {
      // --help and --version have printed what was asked.
      if (error.exitCode === 0) process.exit(0);
      const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
      process.stderr.write(`tesoro: ${message} (see ${error.commandPath} --help)\n`);
      process.exit(2);
    }
    if (isUsageError(error)) {
      process.stderr.write(`tesoro: ${(error as Error).message}\n`);
      process.exit(2);
    }
    process.stderr.write(`tesoro: ${describeFailure(error)}\n`);
    process.exit(1);
  });
