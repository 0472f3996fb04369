// CLI output: JSON with --json (for scripts), readable text otherwise. Errors go to stderr.
export class CliError extends Error {}

export interface CliOutput {
  result(json: unknown, text: string): void;
}

export function cliOutput(json: boolean): CliOutput {
  return {
    result(value, text) {
      process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
    },
  };
}
