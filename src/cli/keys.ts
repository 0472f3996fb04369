// `tesoro keys rotate`: new signing and encryption keys; the old ones keep verifying tokens
// (and decrypting JWE bodies) until their grace period ends.
import type { Runtime } from '../runtime.ts';
import { CliError, type CliOutput } from './output.ts';

export async function keysCommand(
  runtime: Runtime,
  action: string | undefined,
  out: CliOutput,
): Promise<void> {
  if (action !== 'rotate') throw new CliError('Usage: tesoro keys rotate');
  const { retired, created } = await runtime.keys.rotate();
  out.result(
    { retired, created },
    `Created ${created.join(', ')}.\nRetired ${retired.join(', ') || 'nothing'}; retired keys stay valid until the tokens they signed expire.`,
  );
}
