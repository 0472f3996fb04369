// The README's shell blocks, run for real the way a reader pastes them: one bash session
// (`set -euo pipefail`) in the project directory, the blocks in README order, so a TOKEN or CON set by
// one block is there for the next. Each block is a test of its own that checks what it printed (exit
// status 0, then what the README says it shows: structure, never ids or timestamps). Every shell block
// is either run or excluded here by name, with the reason, so a new block cannot go untested unnoticed.
//
// The blocks run as written, with these textual substitutions (nothing else is changed):
// - `localhost:8080` (the default port) → the fresh server's own free port;
// - `localhost:3000` (the reader's application: a Connect callback, a webhook receiver) → a receiver this
//   test runs, which checks the webhook signatures;
// - `data/dev-client.json` → the test server's data directory (a temporary one, not the project's `data/`)
//   or, on PostgreSQL, the client `clients create` printed, as the README tells the reader;
// - `ccd_…` → the code the end user came back with (this test plays the end user on the Connect page);
// - on PostgreSQL, the README's example DATABASE_URL → a fresh database, and the two long-running commands
//   of that block (`npm start`, `npx tesoro worker`), which a reader gives terminals of their own, in the
//   background with their output in a log file.
//
// On PGlite (the default) the server is `node src/main.ts serve` on an empty data directory. With
// TESORO_TEST_ENGINE=postgres the README's own PostgreSQL block starts it (migrate, a client, `npm start`
// and a worker) in place of "Run it", on a database of its own, and the other blocks run against that.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { taxonomy } from '../src/domain/categories/taxonomy.ts';
import { createPostgresDatabase, testEngine } from './helpers/database.ts';
import { freePort, type Server, startServer } from './helpers/processes.ts';
import {
  fencedBlocks,
  inBackground,
  jsonValues,
  planBlocks,
  SHELL_LANGUAGES,
  type ShellBlock,
  shellBlocks,
} from './helpers/readme-blocks.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON printed by the README's commands, checked by the assertions
type Json = Record<string, any>;

/** Generous: the slowest block waits for a sandbox extraction (about a second here). */
const BLOCK_TIMEOUT_MS = 90_000;

/** What a block printed; it exited 0 (a failing block fails before its check). */
interface BlockOutput {
  block: ShellBlock;
  stdout: string;
  stderr: string;
}

/** A block as the session ran it (after the substitutions) and what it printed. */
interface BlockRun {
  script: string;
  stdout: string;
  stderr: string;
  failure: string | null;
}

/** One README run: the server, the reader's side (receiver, dev client) and the substitutions. */
interface ReadmeRun {
  baseUrl: string;
  receiver: Receiver;
  devClientFile: string;
  /** Applied to every block before it runs, in order; a block's check may add one for later blocks. */
  substitutions: [string, string][];
  /** The server's output, for failure messages. */
  serverLog(): string;
}

interface Step {
  /**
   * Checks the block's output, then does what the reader does before the next block (the end user's
   * part of Connect, keeping a client's secret).
   */
  check(output: BlockOutput, run: ReadmeRun): void | Promise<void>;
  /** The block that starts the server on PostgreSQL, run first there; on PGlite it has nothing to do. */
  startsServerOnPostgres?: true;
}

/** Blocks that cannot run here, and why. Keep it short: every other block runs. */
const EXCLUDED: Record<string, string> = {
  'Run it':
    '`npm install && npm start`: test/embedded/npm-start.test.ts runs `npm start`; this test starts the same ' +
    'server (`node src/main.ts serve`) itself, and does not reinstall the dependencies it is running on',
  'Test it': '`npm install && npm test`: `npm test` is the suite this test runs in',
  'Operate it':
    '`docker compose`: no container engine on the project machines or CI; test/container.test.ts runs the ' +
    'compose topology as plain processes, with the walkthrough against it',
};

const json = (output: string) => jsonValues(output) as { values: Json[]; text: string[] };
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const STEPS: Record<string, Step> = {
  'Five-line walkthrough': {
    check({ stdout }) {
      const { values, text } = json(stdout);
      assert.deepEqual(text, [], 'nothing but JSON');
      const fields = values.pop();
      assert.ok(values.length >= 4, 'the institutions, one object each');
      for (const institution of values) {
        assert.deepEqual(Object.keys(institution), ['id', 'name', 'products']);
        assert.ok(institution.products.length > 0, institution.id);
      }
      assert.ok(values.some((institution) => institution.id === 'ins_sandbox_bank'));
      assert.deepEqual(
        fields!.map((field: Json) => field.name),
        ['username', 'password'],
      );
      assert.equal(fields![0].label, 'Usuario', '?language=es: the login form in Spanish');
    },
  },

  'On PostgreSQL': {
    startsServerOnPostgres: true,
    async check({ stdout }, run) {
      const { values, text } = json(stdout);
      assert.ok(
        text.some((line) => line.startsWith('The database is at ')),
        'migrate says where it left the schema',
      );
      const client = values.find((value) => 'client_secret' in value);
      assert.ok(client, 'clients create --json prints the client');
      assert.match(client.client_id, /^cli_/);
      assert.equal(client.name, 'My app');
      // The README's next sentence: this client's id and secret are the walkthrough's.
      fs.writeFileSync(run.devClientFile, JSON.stringify(client), { mode: 0o600 });
      // Both long-running commands are up: `npm start` answers /ready, the worker says it started.
      await waitUntil('npm start to answer /ready', async () => {
        try {
          return (await fetch(`${run.baseUrl}/ready`)).ok;
        } catch {
          return false; // not listening yet
        }
      });
      await waitUntil('npx tesoro worker to start', async () =>
        run.serverLog().includes('"msg":"worker started"'),
      );
    },
  },

  'Connect a sandbox bank': {
    check({ stdout }) {
      const { values, text } = json(stdout);
      assert.deepEqual(text, [], 'nothing but JSON');
      const [connection, ...rest] = values;
      assert.equal(connection!.status, 'ok', 'the wait loop ended on a finished extraction');
      for (const [product, status] of Object.entries(connection!.product_status as Json))
        assert.equal(status.errored, false, `${product}: ${JSON.stringify(status)}`);
      const accounts = rest.filter((value) => 'iban' in value);
      const transactions = rest.filter((value) => 'operation_date' in value);
      assert.equal(accounts.length + transactions.length, rest.length, 'accounts, then transactions');
      assert.equal(accounts.length, connection!.product_status.accounts.count);
      for (const account of accounts) {
        assert.deepEqual(Object.keys(account), ['id', 'iban', 'balance']);
        assert.match(account.iban, /^ES\d{22}$/);
        assert.equal(typeof account.balance, 'number');
      }
      assert.equal(transactions.length, 5, 'page_size=5');
      for (const transaction of transactions) {
        assert.deepEqual(Object.keys(transaction), ['operation_date', 'amount', 'description']);
        assert.match(transaction.operation_date, DATE);
        assert.equal(typeof transaction.amount, 'number');
        assert.ok(transaction.description.length > 0);
      }
    },
  },

  'Connect a sandbox bank #2': {
    check({ stdout }) {
      const { values, text } = json(stdout);
      assert.equal(values.length, 1, 'the answer to the challenge');
      assert.deepEqual(Object.keys(values[0]!), ['status']);
      // Accepted: the extraction goes on (or has already finished).
      assert.ok(['pending', 'ok'].includes(values[0]!.status), values[0]!.status);
      assert.deepEqual(text, ['ok'], 'the connection ends ok');
    },
  },

  'Read the data': {
    check({ stdout, block }) {
      const { values, text } = json(stdout);
      assert.deepEqual(text, [], 'nothing but JSON');
      assert.equal(values.length, 4, 'a list, a sync, a search, everything');
      const [list, sync, search, all] = values as [Json, Json, Json, Json];
      // The filters of the list hold on what it returns.
      for (const transaction of list.data) {
        assert.ok(transaction.operation_date >= '2026-01-01', transaction.operation_date);
        assert.ok(transaction.amount <= -50, String(transaction.amount));
        assert.match(
          `${transaction.description} ${transaction.counterparty} ${transaction.merchant_name}`,
          /mercadona/i,
        );
        assert.equal(transaction.connection_id, all.connection_id);
      }
      assert.ok(sync.added.length > 0, 'no cursor: everything so far is added');
      assert.deepEqual([sync.modified, sync.removed], [[], []]);
      assert.equal(typeof sync.next_cursor, 'string');
      assert.equal(typeof sync.has_more, 'boolean');
      // The search names categories that exist (an unknown one matches nothing, silently), and they hold.
      const categories: string[] = JSON.parse(/"category":\{"\$in":(\[[^\]]*\])/.exec(block.text)![1]!);
      for (const category of categories)
        assert.ok(
          Object.hasOwn(taxonomy, category),
          `${category} is no category (src/domain/categories/taxonomy.ts)`,
        );
      for (const transaction of search.data) {
        assert.ok(categories.includes(transaction.category), transaction.category);
        assert.ok(transaction.operation_date >= '2026-01-01', transaction.operation_date);
        assert.ok(transaction.amount < -50, String(transaction.amount));
      }
      assert.ok(all.accounts.length > 0);
      assert.equal(all.product_status.transactions.errored, false);
    },
  },

  'Hosted Connect': {
    async check({ stdout }, run) {
      const { values, text } = json(stdout);
      assert.deepEqual(text, [], 'nothing but JSON');
      const [registered, session] = values as [Json, Json];
      assert.deepEqual(registered.redirect_uris, [`http://localhost:${run.receiver.port}/callback`]);
      assert.match(session.id, /^cs_/);
      assert.match(session.url, new RegExp(`/connect/${session.id}#.+`));
      assert.ok(Date.parse(session.expires_at) > Date.now());
      // The README's next paragraph: the end user comes back with a code, which the reader pastes.
      run.substitutions.push(['ccd_…', await endUserConnects(session.url)]);
    },
  },

  'Hosted Connect #2': {
    check({ stdout }) {
      const { values } = json(stdout);
      assert.equal(values.length, 1);
      const exchanged = values[0]!;
      assert.match(exchanged.connection_id, /^con_/);
      assert.equal(exchanged.external_id, 'end-user-42');
      assert.equal(exchanged.institution_id, 'ins_sandbox_bank');
      assert.ok('extra' in exchanged);
    },
  },

  'Import statements': {
    check({ stdout }) {
      const { values, text } = json(stdout);
      assert.equal(values.length, 1, 'the import');
      const imported = values[0]!;
      assert.match(imported.id, /^imp_/);
      assert.equal(imported.status, 'completed');
      assert.equal(imported.format, 'norma43');
      assert.match(imported.connection_id, /^con_/);
      assert.ok(imported.summary.transactions > 0);
      assert.ok(imported.summary.added >= imported.summary.transactions, 'the accounts are added too');
      // The dry run: the same reading, as text.
      assert.match(
        text[0] ?? '',
        /^examples\/statements\/statement\.ofx: ofx, 1 statement\(s\), [1-9]\d* movement\(s\)/,
      );
      assert.ok(
        text.some((line) => /issues: 0 error\(s\)/.test(line)),
        text.join('\n'),
      );
    },
  },

  Webhooks: {
    async check({ stdout, stderr }, run) {
      // `tee /dev/stderr` shows the new endpoint, with the secret shown once.
      const endpoint = json(stderr).values.find((value) => 'secret' in value);
      assert.ok(endpoint, 'the endpoint is shown on stderr');
      assert.match(endpoint.id, /^whe_/);
      assert.equal(endpoint.url, `http://localhost:${run.receiver.port}/hooks`);
      assert.match(endpoint.secret, /^whsec_/);
      const { values, text } = json(stdout);
      assert.deepEqual(text, [], 'nothing but JSON');
      const [sent, deliveries, events] = values as [Json, Json, Json];
      assert.equal(sent.type, 'webhook.test');
      assert.equal(sent.data.endpoint_id, endpoint.id);
      assert.ok(
        deliveries.data.some((delivery: Json) => delivery.event_id === sent.id),
        'the test event has a delivery',
      );
      const types = new Set(events.data.map((event: Json) => event.type));
      for (const type of ['connection.historical_update', 'import.completed', 'webhook.test'])
        assert.ok(types.has(type), `the event log has ${type}: ${[...types].join(', ')}`);
      // The receiver got the test event, and its signature verifies with that secret.
      for (let count = 1; ; count++) {
        await run.receiver.waitFor(count, BLOCK_TIMEOUT_MS);
        const event = run.receiver.verify(run.receiver.received[count - 1]!, endpoint.secret);
        if (event.id === sent.id) break;
      }
    },
  },
};

const readme = fs.readFileSync('README.md', 'utf8');
const plan = planBlocks(shellBlocks(readme), STEPS, EXCLUDED);

test('the README fences: helpers read them as a reader does', () => {
  const markdown = [
    '# Title',
    '## Start',
    '```sh',
    '# a shell comment, not a heading',
    'echo one',
    '```',
    '- a list item:',
    '  ```bash',
    '  echo two',
    '  ```',
    '```sql',
    'select 1;',
    '```',
    '```',
    'an untagged block',
    '```',
    '````sh',
    'echo ```',
    '````',
  ].join('\n');
  assert.deepEqual(fencedBlocks(markdown), [
    { language: 'sh', heading: 'Start', line: 3, text: '# a shell comment, not a heading\necho one\n' },
    { language: 'bash', heading: 'Start', line: 8, text: 'echo two\n' },
    { language: 'sql', heading: 'Start', line: 11, text: 'select 1;\n' },
    { language: '', heading: 'Start', line: 14, text: 'an untagged block\n' },
    { language: 'sh', heading: 'Start', line: 17, text: 'echo ```\n' },
  ]);
  const blocks = shellBlocks(markdown);
  assert.deepEqual(
    blocks.map((block) => block.name),
    ['Start', 'Start #2', 'Start #3'],
  );
  const planned = planBlocks(blocks, { Start: 1, Gone: 2 }, { 'Start #2': 'why', Start: 'both' });
  assert.deepEqual(
    planned.planned.map((p) => [p.block.name, p.kind]),
    [
      ['Start', 'run'],
      ['Start #2', 'excluded'],
    ],
  );
  assert.deepEqual(planned.unplanned, ['Start #3']);
  assert.deepEqual(planned.stale, ['Gone']);
  assert.deepEqual(planned.conflicting, ['Start']);

  assert.deepEqual(jsonValues('{"a":1}{"b":"}"}\n[\n  2\n]\nok\ntext {not json}\n'), {
    values: [{ a: 1 }, { b: '}' }, [2]],
    text: ['ok', 'text {not json}'],
  });
  assert.equal(
    inBackground(
      'npm startle\nnpm start   # the server\nnpx tesoro worker',
      ['npm start', 'npx tesoro worker'],
      'l',
    ),
    "npm startle\nnpm start >>'l' 2>&1 &   # the server\nnpx tesoro worker >>'l' 2>&1 &",
  );
});

test('every shell block of the README is run or excluded, by name; every other block is tagged', () => {
  assert.deepEqual(
    plan.unplanned,
    [],
    'new README blocks: give each a step in STEPS or a reason in EXCLUDED',
  );
  assert.deepEqual(plan.stale, [], 'steps or exclusions naming no README block (renamed or removed?)');
  assert.deepEqual(plan.conflicting, [], 'both run and excluded');
  // An untagged fence could hold commands nobody runs: the README tags each (`text` for what is not code).
  const untagged = fencedBlocks(readme).filter((block) => block.language === '');
  assert.deepEqual(
    untagged.map((block) => `README.md:${block.line}`),
    [],
    `tag these fences (${[...SHELL_LANGUAGES].join(', ')} run here; text, sql, … do not)`,
  );
});

describe(`the README's shell blocks, run against a fresh server (${testEngine})`, () => {
  // On PostgreSQL the block that starts the server runs first, where "Run it" would be.
  const planned =
    testEngine === 'postgres'
      ? [...plan.planned].sort(
          (a, b) =>
            Number(b.kind === 'run' && !!b.run.startsServerOnPostgres) -
            Number(a.kind === 'run' && !!a.run.startsServerOnPostgres),
        )
      : plan.planned;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-readme-'));
  let run: ReadmeRun;
  let session: ShellSession | undefined;
  let server: Server | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let receiver: Receiver | undefined;

  before(async () => {
    const missing = ['bash', 'curl', 'jq'].filter(
      (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
    );
    assert.deepEqual(missing, [], `the README's commands need ${missing.join(' and ')}: install them`);
    receiver = await startReceiver('/hooks');
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? workDir };
    let port: number;
    let devClientFile: string;
    let serverLog: () => string;
    const substitutions: [string, string][] = [];
    if (testEngine === 'postgres') {
      const database = await createPostgresDatabase();
      dropDatabase = database.drop;
      port = await freePort();
      const logFile = path.join(workDir, 'long-running.log');
      fs.writeFileSync(logFile, '');
      devClientFile = path.join(workDir, 'my-app.json');
      serverLog = () => fs.readFileSync(logFile, 'utf8');
      // What the operator sets around the README's block: the port, and development mode for the
      // loopback webhook receiver (off by default with DATABASE_URL; the Webhooks section says so).
      Object.assign(env, { PORT: String(port), TESORO_ALLOW_PRIVATE_WEBHOOKS: '1' });
      substitutions.push(['postgres://tesoro:secret@db.internal:5432/tesoro', database.url]);
      session = new ShellSession(env, workDir, (text) =>
        inBackground(text, ['npm start', 'npx tesoro worker'], logFile),
      );
    } else {
      const dataDir = path.join(workDir, 'data');
      server = await startServer({ TESORO_DATA_DIR: dataDir });
      port = Number(new URL(server.baseUrl).port);
      devClientFile = path.join(dataDir, 'dev-client.json');
      serverLog = () => server!.output();
      session = new ShellSession(env, workDir);
    }
    substitutions.push(
      ['localhost:8080', `localhost:${port}`],
      ['localhost:3000', `localhost:${receiver.port}`],
      ['data/dev-client.json', devClientFile],
    );
    run = { baseUrl: `http://localhost:${port}`, receiver, devClientFile, substitutions, serverLog };
  });

  after(async () => {
    await session?.close();
    await server?.stop();
    await receiver?.close();
    await dropDatabase?.();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  for (const entry of planned) {
    const title = `${entry.block.name} (README.md:${entry.block.line})`;
    if (entry.kind === 'excluded') {
      test(title, { skip: `excluded: ${entry.reason}` }, () => {});
      continue;
    }
    const skip =
      entry.run.startsServerOnPostgres && testEngine !== 'postgres'
        ? process.env.TEST_DATABASE_URL
          ? 'runs in the PostgreSQL run of this file (TESORO_TEST_ENGINE=postgres)'
          : 'needs a PostgreSQL server: set TEST_DATABASE_URL (and TESORO_TEST_ENGINE=postgres)'
        : false;
    test(title, { skip, timeout: 2 * BLOCK_TIMEOUT_MS }, async () => {
      let script = entry.block.text;
      for (const [from, to] of run.substitutions) script = script.replaceAll(from, to);
      const result = await session!.run(entry.block.name, script);
      if (result.failure) throw new Error(`${title} ${result.failure}\n${report(result, run)}`);
      try {
        await entry.run.check({ block: entry.block, ...result }, run);
      } catch (error) {
        throw new Error(`${title}: ${(error as Error).message}\n${report(result, run)}`, { cause: error });
      }
    });
  }
});

/** The commands as run and everything they and the server printed, for a failure message. */
function report(output: BlockRun, run: ReadmeRun): string {
  return [
    '--- commands as run',
    output.script.trimEnd(),
    '--- stdout',
    output.stdout.trimEnd(),
    '--- stderr',
    output.stderr.trimEnd(),
    '--- server (end)',
    run.serverLog().slice(-4000).trimEnd(),
  ].join('\n');
}

/**
 * One bash session, as a reader's terminal: blocks run one after another in the same shell, so what
 * one sets the next sees. Each block is a file `source`d with stdin from /dev/null (a command reading
 * stdin must not eat the blocks after it), then a marker on stdout and stderr says it is done. Under
 * `set -e` a failing command ends the shell: that block failed, with the command's status.
 */
class ShellSession {
  private readonly child: ChildProcess;
  private stdout = '';
  private stderr = '';
  private count = 0;
  /** Why the session cannot run blocks any more. */
  private ended: string | null = null;
  /** The shell's exit status (or signal) once it and its output are all done. */
  private exitStatus: string | null = null;
  private readonly exited: Promise<void>;
  private notify = () => {};
  private readonly scriptDir: string;
  /** What the session does to a block's text before running it. */
  private readonly prepare: (text: string) => string;

  constructor(env: Record<string, string>, scriptDir: string, prepare = (text: string) => text) {
    this.scriptDir = scriptDir;
    this.prepare = prepare;
    this.child = spawn('bash', ['--noprofile', '--norc'], {
      cwd: process.cwd(),
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // A process group of its own: what the blocks start in the background is stopped with it.
      detached: true,
    });
    this.child.stdout!.on('data', (chunk) => {
      this.stdout += chunk;
      this.notify();
    });
    this.child.stderr!.on('data', (chunk) => {
      this.stderr += chunk;
      this.notify();
    });
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        this.exitStatus = String(code ?? signal);
        this.notify();
        this.ended ??= `(the shell exited with ${this.exitStatus})`;
        resolve();
      }),
    );
    // A terminal's stdout and stderr can be opened by name (the README's `tee /dev/stderr`); the
    // sockets Node gives a child cannot (ENXIO), so the session writes through pipes instead.
    this.child.stdin!.write('set -euo pipefail\nexec > >(cat) 2> >(cat >&2)\n');
  }

  /** Runs one block; `failure` says how it failed (a failing command's status, a timeout), else null. */
  run(name: string, text: string): Promise<BlockRun> {
    if (this.ended) return Promise.reject(new Error(`not run: the shell session ended ${this.ended}`));
    const n = ++this.count;
    const script = this.prepare(text);
    const file = path.join(this.scriptDir, `block-${n}.sh`);
    fs.writeFileSync(file, script);
    const tag = `@@readme-block-${n}-done@@`;
    const marker = `\n${tag}\n`;
    const start = { stdout: this.stdout.length, stderr: this.stderr.length };
    this.child.stdin!.write(
      `source '${file}' </dev/null\nprintf '\\n%s\\n' ${tag}; printf '\\n%s\\n' ${tag} >&2\n`,
    );
    return new Promise((resolve) => {
      const finish = (failure: string | null) => {
        clearTimeout(timer);
        const stdout = this.stdout.slice(start.stdout);
        const stderr = this.stderr.slice(start.stderr);
        const upTo = (output: string) => (failure ? output : output.slice(0, output.indexOf(marker)));
        resolve({ script, stdout: upTo(stdout), stderr: upTo(stderr), failure });
      };
      const timer = setTimeout(() => {
        this.ended = `(block ${name} timed out)`;
        this.kill('SIGKILL');
        finish(`did not finish in ${BLOCK_TIMEOUT_MS / 1000} s`);
      }, BLOCK_TIMEOUT_MS);
      this.notify = () => {
        if (this.stdout.includes(marker, start.stdout) && this.stderr.includes(marker, start.stderr))
          finish(null);
        else if (this.exitStatus !== null) {
          this.ended = `(block ${name} failed)`;
          finish(`failed: exit status ${this.exitStatus}`);
        }
      };
      this.notify();
    });
  }

  /** Ends the shell and everything the blocks started, waiting for them to stop. */
  async close(): Promise<void> {
    this.child.stdin!.end();
    this.kill('SIGTERM');
    await this.exited;
    await waitUntil('the processes the README started to stop', async () => !this.kill(0), 60_000).catch(() =>
      this.kill('SIGKILL'),
    );
  }

  /** Signals the session's process group; false once nothing is left in it. */
  private kill(signal: NodeJS.Signals | 0): boolean {
    try {
      process.kill(-this.child.pid!, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** The end user on the hosted Connect page (its own API, as the page calls it): signs in, finishes. */
async function endUserConnects(sessionUrl: string): Promise<string> {
  const [, origin, sessionId, sessionToken] = /^(.*)\/connect\/([^#/]+)#(.+)$/.exec(sessionUrl)!;
  const page = async (method: 'GET' | 'POST', part: string, body?: Json): Promise<Json> => {
    const response = await fetch(`${origin}/connect/api/${sessionId}${part}`, {
      method,
      headers: { authorization: `Bearer ${sessionToken}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const answer = (await response.json()) as Json;
    assert.ok(response.ok, `${method} ${part}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  await page('POST', '/credentials', {
    institution_id: 'ins_sandbox_bank',
    credentials: { username: 'user_good', password: 'pass_good' },
  });
  await waitUntil('the end user’s connection to succeed', async () => {
    const progress = await page('GET', '/progress');
    assert.ok(['working', 'success'].includes(progress.state), JSON.stringify(progress));
    return progress.state === 'success';
  });
  const finished = await page('POST', '/finish', {});
  const code = new URL(finished.redirect_url).searchParams.get('code');
  assert.match(code ?? '', /^ccd_/, JSON.stringify(finished));
  return code!;
}

/** Resolves once `probe` says so; `what` names it when it never does. */
async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = BLOCK_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
