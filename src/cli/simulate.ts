// `tesoro dev simulate enable-banking | simplefin`: runs a local simulator of an upstream that the
// tests use (test/simulators/), for a demo by hand: it prints how to start Tesoro against it (and,
// for SimpleFIN, Setup Tokens to paste), then serves until Ctrl-C. The simulator lives with the tests (a clone has it; it is not part of
// the server), so it is loaded only when this command runs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CliError } from './output.ts';

export const simulators = ['enable-banking', 'simplefin'] as const;

/** Prints how to use a simulator, then serves until Ctrl-C (or SIGTERM) and stops it. */
async function serveUntilStopped(sim: { close(): Promise<void> }, lines: string[]): Promise<void> {
  process.stdout.write([...lines, '', 'Ctrl-C stops the simulator.', ''].join('\n'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
}

async function simulateSimpleFin(): Promise<void> {
  const { startSimpleFinSimulator } = await import('../../test/simulators/simplefin/index.ts');
  const sim = await startSimpleFinSimulator();
  await serveUntilStopped(sim, [
    `SimpleFIN Bridge simulator on ${sim.url}.`,
    'Start Tesoro in another terminal with:',
    '',
    '  TESORO_SIMPLEFIN_ALLOW_LOOPBACK=1 npm start',
    '',
    'then connect ins_simplefin with one of these one-time Setup Tokens (credentials.setup_token):',
    '',
    ...['good', 'good', 'partial', 'revoked_later'].map(
      (scenario) => `  ${scenario.padEnd(14)} ${sim.setupToken(scenario)}`,
    ),
  ]);
}

export async function simulateCommand(target: string | undefined, publicUrl: string): Promise<void> {
  if (target === 'simplefin') return simulateSimpleFin();
  if (target !== 'enable-banking')
    throw new CliError(`Which simulator? tesoro dev simulate ${simulators.join(' | ')}`);
  const { startEnableBankingSimulator } = await import('../../test/simulators/enable-banking/index.ts');
  // Tesoro runs on loopback in a demo: its callback is accepted there.
  const sim = await startEnableBankingSimulator({
    allowLoopbackRedirects: true,
    redirectUrls: [`${publicUrl}/connect/callback/enable_banking`],
  });
  const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'tesoro-eb-')), 'private-key.pem');
  writeFileSync(keyFile, sim.privateKeyPem, { mode: 0o600 });
  await serveUntilStopped(sim, [
    `Enable Banking simulator on ${sim.url} (banks: Banco Simulado ES, Nordea Simulado FI, Banque Positionnelle FR).`,
    'Start Tesoro in another terminal with:',
    '',
    `  TESORO_ENABLE_BANKING_APP_ID=${sim.applicationId} \\`,
    `  TESORO_ENABLE_BANKING_PRIVATE_KEY_FILE=${keyFile} \\`,
    `  TESORO_ENABLE_BANKING_API_URL=${sim.url} npm start`,
  ]);
}
