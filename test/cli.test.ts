// The tesoro CLI as a user runs it, against the test engine (an embedded data directory, or
// DATABASE_URL on PostgreSQL).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { PURGE_EXPIRED } from '../src/jobs/definitions.ts';
import { startQueue } from '../src/jobs/workers.ts';
import { createLogger } from '../src/logger.ts';
import { createClient } from '../src/services/clients.ts';
import { migrateToLatest, openDatabase } from '../src/store/database.ts';
import { createPostgresDatabase, testEngine } from './helpers/database.ts';
import { runCli, startProcess } from './helpers/processes.ts';

let env: Record<string, string>;
let cleanup: () => Promise<void>;

before(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-cli-'));
  env = { TESORO_DATA_DIR: dataDir };
  let drop = async () => {};
  if (testEngine === 'postgres') {
    const database = await createPostgresDatabase();
    env.DATABASE_URL = database.url;
    drop = database.drop;
  }
  cleanup = async () => {
    await drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
});
after(() => cleanup());

const cli = async (...args: string[]) => runCli(args, env);
const json = async (...args: string[]) => {
  const result = await cli(...args, '--json');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
};

test('migrate says what it applied, then that there is nothing left to apply', async () => {
  const migrations = fs
    .readdirSync('src/store/migrations')
    .filter((f) => /^\d{4}-/.test(f))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  const first = await cli('migrate', '--json');
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(JSON.parse(first.stdout), { applied: migrations, schema: migrations.at(-1) });
  const second = await cli('migrate');
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, `Nothing to apply: the database is up to date (${migrations.at(-1)}).\n`);
});

test('clients create --json prints the id and secret; list shows it; rotate and delete work', async () => {
  const created = await json(
    'clients',
    'create',
    '--name',
    'Acme Wealth',
    '--scopes',
    'data:read,connections:read',
  );
  assert.match(created.client_id, /^cli_[0-9a-z]{16}$/);
  assert.match(created.client_secret, /^tsk_/);
  assert.deepEqual(created.scopes, ['data:read', 'connections:read']);

  const listed = await json('clients', 'list');
  const mine = listed.find((c: { client_id: string }) => c.client_id === created.client_id);
  assert.equal(mine.name, 'Acme Wealth');
  assert.ok(!JSON.stringify(listed).includes(created.client_secret), 'list never shows secrets');

  const rotated = await json('clients', 'rotate-secret', created.client_id);
  assert.equal(rotated.client_id, created.client_id);
  assert.notEqual(rotated.client_secret, created.client_secret);

  const deleted = await json('clients', 'delete', created.client_id);
  assert.deepEqual(deleted, { deleted: created.client_id });
  const after = await json('clients', 'list');
  assert.ok(!after.some((c: { client_id: string }) => c.client_id === created.client_id));
});

test('a client gets every scope by default', async () => {
  const created = await json('clients', 'create', '--name', 'All scopes');
  assert.deepEqual(created.scopes, [
    'connections:read',
    'connections:write',
    'data:read',
    'webhooks:manage',
    'imports:write',
  ]);
});

test('mistakes exit with code 2 and a clear message, changing nothing', async () => {
  const before = await json('clients', 'list');
  for (const [args, message] of [
    [['clients', 'create', '--name', 'x', '--scopes', 'data:read,admin'], /Unknown scopes: admin/],
    [
      ['clients', 'create'],
      /^tesoro: required option '--name <name>' not specified \(see tesoro clients create --help\)$/m,
    ],
    [['clients', 'delete', 'cli_missing'], /No client cli_missing/],
    [['clients', 'rotate-secret', 'cli_missing'], /No client cli_missing/],
    [['clients', 'frobnicate'], /^tesoro: unknown command 'frobnicate' \(see tesoro clients --help\)$/m],
    [['dance'], /^tesoro: unknown command 'dance' \(see tesoro --help\)$/m],
  ] as const) {
    const result = await cli(...args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
  assert.deepEqual(await json('clients', 'list'), before);
});

test('keys rotate retires the active pair and creates a new one', async () => {
  const first = await json('keys', 'rotate');
  assert.equal(first.created.length, 2);
  const second = await json('keys', 'rotate');
  assert.deepEqual([...second.retired].sort(), [...first.created].sort());
});

test('a bad environment is refused with every bad variable named', async () => {
  const result = await runCli(['migrate'], { ...env, PORT: 'eighty', LOG_LEVEL: 'loud' });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /PORT/);
  assert.match(result.stderr, /LOG_LEVEL/);
});

test('tesoro worker runs queued jobs and stops cleanly on SIGTERM', async () => {
  // Queue a purge job with an expired record to purge, then let only the worker process run it.
  const config = loadConfig(env);
  let database = await openDatabase(config, 'test');
  await migrateToLatest(database);
  const { client } = await createClient(database.db, { name: 'worker test' });
  await database.db
    .insertInto('idempotency_keys')
    .values({
      client_id: client.id,
      key: 'stale',
      method: 'POST',
      path: '/v1/x',
      request_hash: 'h',
      expires_at: new Date(0),
    })
    .execute();
  const boss = await startQueue(database, createLogger('silent'), false);
  await boss.send(PURGE_EXPIRED, {});
  await boss.stop({ graceful: true, timeout: 5000 });
  await database.close();

  const worker = startProcess(['worker'], { ...env, LOG_LEVEL: 'info' });
  await worker.waitFor(/purged expired records/);
  assert.equal(await worker.stop('SIGTERM'), 0, worker.output());

  database = await openDatabase(config, 'test');
  const left = await database.db
    .selectFrom('idempotency_keys')
    .select('key')
    .where('client_id', '=', client.id)
    .execute();
  await database.close();
  assert.deepEqual(left, []);
});

test('tesoro import: --dry-run summarises without a database; a real import lands once; errors exit 1', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-import-'));
  const csv = path.join(dir, 'movimientos.csv');
  fs.writeFileSync(
    csv,
    'Fecha;Concepto;Importe;Saldo\n02/10/2026;Nomina;2150,50;3150,50\n15/10/2026;Alquiler;-850,00;2300,50\n',
  );
  const broken = path.join(dir, 'broken.csv');
  fs.writeFileSync(broken, 'Fecha;Concepto;Importe\n31/02/2026;x;1,00\n');

  // A dry run needs no database: even a bad DATABASE_URL does not matter.
  const dry = await runCli(['import', '--dry-run', '--json', csv], {
    DATABASE_URL: 'postgres://nowhere.invalid/x',
  });
  assert.equal(dry.code, 0, dry.stderr);
  const [preview] = JSON.parse(dry.stdout);
  assert.equal(preview.summary.format, 'csv');
  assert.equal(preview.summary.transactions, 2);
  assert.deepEqual(
    [preview.summary.first_date, preview.summary.last_date, preview.summary.statements[0].closing],
    ['2026-10-02', '2026-10-15', '2300.5'],
  );
  assert.equal(preview.import, undefined, 'nothing imported on a dry run');
  const text = await runCli(['import', '--dry-run', csv], {});
  assert.match(text.stdout, /csv, 1 statement\(s\), 2 movement\(s\), 2026-10-02 → 2026-10-15/);
  assert.match(text.stdout, /opening\s+closing/);

  const { client_id } = await json('clients', 'create', '--name', 'Importer');
  const first = await json('import', '--client', client_id, '--currency', 'EUR', csv);
  assert.equal(first[0].import.status, 'completed');
  assert.equal(first[0].import.summary.added, 3, 'the account and two movements');
  const connection = first[0].import.connection_id;
  const again = await json(
    'import',
    '--client',
    client_id,
    '--connection',
    connection,
    '--currency',
    'EUR',
    csv,
  );
  assert.equal(again[0].import.summary.added, 0, 'importing the same file again adds nothing');

  const bad = await cli('import', '--client', client_id, broken);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /the dates cannot all be read in one day\/month\/year order/);
  assert.match(bad.stdout, /not imported/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('every failure is one line, never a stack trace; options are checked as the API checks them', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-cli-errors-'));
  const csv = path.join(dir, 'f.csv');
  fs.writeFileSync(csv, 'Fecha,Concepto,Importe\n13/02/2026,A,-1.00\n14/02/2026,B,2.00\n');
  const ofx = path.join(dir, 'bad.ofx');
  fs.writeFileSync(
    ofx,
    'OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKACCTFROM><ACCTID>1</ACCTID></BANKACCTFROM><BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260213<TRNAMT>-1.00<FITID>1<NAME>A&#x110000;</STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n',
  );
  const year0 = path.join(dir, 'y0.csv');
  fs.writeFileSync(year0, 'Fecha,Concepto,Importe\n13/02/2026,A,-1.00\n01/01/0000,B,2.00\n');
  const { client_id } = await json('clients', 'create', '--name', 'Errors');
  const oneLine = (result: { stderr: string }) => {
    assert.ok(!/\n\s+at /.test(result.stderr), `a stack trace: ${result.stderr}`);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  };
  for (const [args, code, message] of [
    [
      ['import', csv, '--client', client_id, '--connection', 'con_nope'],
      1,
      /^tesoro: No connection con_nope\.$/m,
    ],
    [
      ['import', csv, '--bogus-flag'],
      2,
      /^tesoro: unknown option '--bogus-flag' \(see tesoro import --help\)$/m,
    ],
    [['import', csv, '--connection'], 2, /argument missing/],
    [['import', csv, '--dry-run', '--currency', 'euro'], 2, /--currency must be an ISO 4217 code/],
    [
      ['import', csv, '--dry-run', '--csv-mapping', '{"date":-1}'],
      2,
      /--csv-mapping is not a valid mapping: date/,
    ],
    [['import', csv, '--dry-run', '--csv-mapping', '{"nope":1}'], 2, /--csv-mapping is not a valid mapping/],
  ] as const) {
    const result = await cli(...args);
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    oneLine(result);
  }
  // Hostile files are read (a reference to no character is U+FFFD) or refused with the reason.
  const entity = await cli('import', '--dry-run', ofx);
  assert.equal(entity.code, 0, entity.stderr);
  assert.match(entity.stdout, /ofx, 1 statement\(s\), 1 movement\(s\)/);
  const yearZero = await cli('import', '--dry-run', year0);
  assert.equal(yearZero.code, 1, yearZero.stderr);
  assert.equal(yearZero.stderr, '');
  assert.match(yearZero.stdout, /line 3: the date 0000-01-01 is before year 1/);
  // The environment: a database that is not there, a data directory that is a file.
  const unreachable = await runCli(['migrate'], { DATABASE_URL: 'postgres://tesoro@127.0.0.1:1/x' });
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /^tesoro: cannot reach the database/);
  oneLine(unreachable);
  const notADirectory = await runCli(['migrate'], { TESORO_DATA_DIR: csv });
  assert.equal(notADirectory.code, 1);
  assert.match(notADirectory.stderr, /^tesoro: the data directory cannot be used/);
  oneLine(notADirectory);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a PostgreSQL role without the rights Tesoro needs gets one line naming what it lacks', {
  skip: testEngine !== 'postgres' && 'a role of a PostgreSQL server (the PostgreSQL run)',
}, async () => {
  const database = await createPostgresDatabase();
  const role = `tesoro_limited_${process.pid}`;
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    // Can log in and connect, but owns nothing: PostgreSQL 15+ lets only owners create in public.
    await admin.query(`create role ${role} login`);
    await admin.query('revoke create on schema public from public');
    const url = new URL(database.url);
    url.username = role;
    const result = await runCli(['migrate'], { DATABASE_URL: url.toString() });
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /^tesoro: the database role lacks a right Tesoro needs \(permission denied/);
    assert.ok(!/\n\s+at /.test(result.stderr), result.stderr);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  } finally {
    await admin.end();
    await database.drop();
    const cleanup = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await cleanup.connect();
    await cleanup.query(`drop role if exists ${role}`);
    await cleanup.end();
  }
});

const commandPaths = [
  [],
  ['serve'],
  ['worker'],
  ['migrate'],
  ['clients'],
  ['clients', 'create'],
  ['clients', 'list'],
  ['clients', 'rotate-secret'],
  ['clients', 'delete'],
  ['keys'],
  ['keys', 'rotate'],
  ['import'],
  ['partition'],
  ['dev'],
  ['dev', 'simulate'],
];

test('--version, and --help for every command (its own usage, options and arguments)', async () => {
  const version = await runCli(['--version'], {});
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `${JSON.parse(fs.readFileSync('package.json', 'utf8')).version}\n`);
  for (const command of commandPaths) {
    const help = await runCli([...command, '--help'], {});
    assert.equal(help.code, 0, `${command.join(' ')}: ${help.stderr}`);
    assert.match(help.stdout, new RegExp(`^Usage: tesoro${command.map((c) => ` ${c}`).join('')} `, 'm'));
    assert.equal(help.stderr, '');
  }
  const top = await runCli(['--help'], {});
  // The environment variables are part of the top-level help.
  assert.match(top.stdout, /TESORO_MASTER_KEY/);
  assert.match((await runCli(['import', '--help'], {})).stdout, /--csv-mapping <json>/);
});

test('every command refuses an unknown option in one line naming its --help, before opening anything', async () => {
  // What a command requires is given, so the unknown option is what is refused.
  const required: Record<string, string[]> = {
    'clients create': ['--name', 'x'],
    partition: ['--partitions', '2'],
  };
  for (const command of commandPaths.filter((c) => c.length > 0)) {
    // A database that cannot be reached: a refusal must come before any attempt to open one.
    const result = await runCli([...command, ...(required[command.join(' ')] ?? []), '--qqqqqq'], {
      DATABASE_URL: 'postgres://tesoro@127.0.0.1:1/x',
    });
    assert.equal(result.code, 2, `${command.join(' ')}: ${result.stderr}`);
    assert.equal(
      result.stderr,
      `tesoro: unknown option '--qqqqqq' (see tesoro ${command.join(' ')} --help)\n`,
      command.join(' '),
    );
  }
  // A near miss is suggested, on the same line.
  const near = await runCli(['import', 'f.csv', '--clien', 'x'], {});
  assert.equal(
    near.stderr,
    "tesoro: unknown option '--clien' (Did you mean --client?) (see tesoro import --help)\n",
  );
  const choice = await runCli(['dev', 'simulate', 'plaid'], {});
  assert.equal(choice.code, 2);
  assert.match(choice.stderr, /Allowed choices are enable-banking, simplefin/);
});
