// A PostgreSQL cluster of a test's own (initdb in a temporary directory, a free port on loopback), for
// the tests that stop or restart the database under a running server: the suite's shared server
// (TEST_DATABASE_URL) must never be restarted under the other tests. PostgreSQL refuses to run as
// root, so as root its programs run as the `postgres` system user (as .ci/run starts its cluster).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './processes.ts';

export interface Cluster {
  /** postgres://… of the cluster's `postgres` database, user `tesoro`. */
  url: string;
  /** `pg_ctl restart -m fast`: every session is terminated, the cluster is back when it returns. */
  restart(): void;
  stop(): void;
}

/** The newest installed PostgreSQL's bin directory (Debian's layout), or null. */
export function postgresBinaries(): string | null {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(a) - Number(b));
  return versions.length > 0 ? path.join(root, versions.at(-1)!, 'bin') : null;
}

const asRoot = process.getuid?.() === 0;

function run(bin: string, program: string, args: string[]): void {
  const [command, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', path.join(bin, program), ...args]]
    : [path.join(bin, program), args];
  // From / : the postgres user may not enter the checkout.
  const result = spawnSync(command, argv, { cwd: '/', encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${program} failed: ${result.stderr || result.stdout}`);
}

export async function startCluster(bin: string): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-pg-'));
  if (asRoot) spawnSync('chown', ['postgres:', dir]);
  const data = path.join(dir, 'data');
  const port = await freePort();
  run(bin, 'initdb', ['-D', data, '-U', 'tesoro', '-A', 'trust', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const ctl = (action: string, ...more: string[]) =>
    run(bin, 'pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-o', options, action, ...more]);
  ctl('start');
  return {
    url: `postgres://tesoro@127.0.0.1:${port}/postgres`,
    restart: () => ctl('restart', '-m', 'fast'),
    stop() {
      try {
        ctl('stop', '-m', 'immediate');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
