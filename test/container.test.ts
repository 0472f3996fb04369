// The container image and the compose file (docs/operations.md). Without a container engine (this
// project's machines and CI have the docker CLI but no engine) the Dockerfile is linted and checked
// against the project's rules, compose.yaml is read as Compose reads it, and the compose topology
// (migrate, then an API without workers and a worker, on PostgreSQL) is run as plain processes from
// the image's file tree with exactly the services' commands and environments: "the documented
// equivalent", with the README walkthrough against it. With an engine the image is also built and run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ValidationSeverity, validate } from 'dockerfile-utils';
import { environmentVariables } from '../src/config.ts';
import { errorStatuses } from '../src/domain/connection-status.ts';
import {
  type ComposeService,
  dockerfileStages,
  dockerignore,
  execForm,
  instructionsOf,
  interpolate,
  listFiles,
  readCompose,
  runService,
  type Service,
  serviceEnvironment,
  stageEnvironment,
  stageImage,
  startService,
} from './helpers/compose.ts';
import { createPostgresDatabase } from './helpers/database.ts';
import { callApi, freePort, getToken } from './helpers/processes.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked by the assertions
type Json = Record<string, any>;

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
const dockerfileText = read('Dockerfile');
const stages = dockerfileStages(dockerfileText);
const runtime = stages.at(-1)!;
const ignored = dockerignore(read('.dockerignore'));
const composeText = read('compose.yaml');
const compose = readCompose(composeText);
const tesoroServices = ['migrate', 'api', 'worker'] as const;

const argumentsOf = (stage: typeof runtime, keyword: string) =>
  instructionsOf(stage, keyword).at(-1)?.getArgumentsContent() ?? null;
const imageEntrypoint = execForm(argumentsOf(runtime, 'ENTRYPOINT'));
const imageCmd = execForm(argumentsOf(runtime, 'CMD'));
/** The exec-form command of a HEALTHCHECK's arguments (`--flags CMD [...]`). */
const healthcheckCommand = (text: string | null) =>
  execForm(/\bCMD\s+(\[[\s\S]*\])\s*$/.exec(text ?? '')?.[1] ?? null);

/** Every problem dockerfile-utils reports, the style checks raised to errors. */
const strictLint = (text: string) =>
  validate(text, {
    deprecatedMaintainer: ValidationSeverity.ERROR,
    directiveCasing: ValidationSeverity.ERROR,
    emptyContinuationLine: ValidationSeverity.ERROR,
    instructionCasing: ValidationSeverity.ERROR,
    instructionCmdMultiple: ValidationSeverity.ERROR,
    instructionEntrypointMultiple: ValidationSeverity.ERROR,
    instructionHealthcheckMultiple: ValidationSeverity.ERROR,
    instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
    instructionWorkdirRelative: ValidationSeverity.ERROR,
  }).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);

describe('Dockerfile', () => {
  test('dockerfile-utils finds no problem in it (and does find them in a broken one)', () => {
    assert.deepEqual(strictLint(dockerfileText), []);
    const broken = strictLint(
      'FROM node:24\nworkdir app\nHEALTHCHECK --interval=soon CMD ["true"]\nENTRYPOINT ["a"]\nENTRYPOINT ["b"]\nEXPOSE port\n',
    );
    assert.ok(broken.length >= 4, broken.join('\n'));
  });

  test('multi-stage, every stage on the official image of the exact Node.js package.json pins', () => {
    const version = pkg.dependencies.node!;
    assert.match(version, /^\d+\.\d+\.\d+$/, 'package.json pins an exact `node` version');
    assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
    const names = new Set(stages.map((s) => s.name));
    for (const stage of stages) {
      if (names.has(stage.image)) continue; // FROM an earlier stage
      assert.equal(stage.image, 'node', `${stage.name}: the official node image`);
      assert.ok(stage.tag, `${stage.name}: a tag, not the implicit latest`);
      assert.notEqual(stage.tag, 'latest');
      assert.equal(stage.tag!.split('-')[0], version, `${stage.name}: node:${version}-…, as package.json`);
    }
    assert.match(runtime.tag ?? '', /-(bookworm-slim|trixie-slim|alpine[\d.]*)$/, 'a small runtime base');
  });

  test('the runtime stage: /app, non-root, exec form running src/main.ts, a health check, the data volume', () => {
    assert.equal(argumentsOf(runtime, 'WORKDIR'), '/app');
    const user = argumentsOf(runtime, 'USER');
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user}: not root`);

    assert.ok(imageEntrypoint, 'ENTRYPOINT in exec (JSON) form');
    assert.ok(imageCmd, 'CMD in exec (JSON) form');
    const argv = [...imageEntrypoint, ...imageCmd];
    assert.deepEqual(argv.slice(0, 2), ['node', 'src/main.ts']);
    assert.equal(argv[2], 'serve');
    for (const word of ['npm', 'npx', 'sh', 'bash', '-c']) assert.ok(!argv.includes(word), argv.join(' '));

    const health = healthcheckCommand(argumentsOf(runtime, 'HEALTHCHECK'));
    assert.ok(health, 'HEALTHCHECK CMD in exec form');
    assert.equal(health[0], 'node', 'no curl in a slim image: Node runs the check');
    assert.match(health.join(' '), /\/ready/);

    const env = stageEnvironment(runtime);
    assert.equal(env.HOST, '0.0.0.0', 'listens on the container interface');
    assert.ok(
      env.PORT && instructionsOf(runtime, 'EXPOSE').some((e) => e.getArgumentsContent() === env.PORT),
    );
    const dataDir = env.TESORO_DATA_DIR;
    assert.ok(dataDir?.startsWith('/'), 'TESORO_DATA_DIR set to an absolute path');
    assert.ok(
      instructionsOf(runtime, 'VOLUME').some((v) =>
        (execForm(v.getArgumentsContent()) ?? []).includes(dataDir!),
      ),
      `VOLUME ${dataDir}`,
    );
    const userName = user!.split(':')[0]!;
    assert.ok(
      instructionsOf(runtime, 'RUN').some((r) =>
        new RegExp(`chown ${userName}(:${userName})? ${dataDir}\\b`).test(r.getArgumentsContent() ?? ''),
      ),
      `${dataDir} owned by ${userName}`,
    );
  });

  test('production dependencies with npm ci; --ignore-scripts only skips the node package download', () => {
    const deps = stages.find((s) =>
      instructionsOf(runtime, 'COPY').some((c) => c.getTextContent().includes(`--from=${s.name}`)),
    );
    assert.ok(deps, 'the runtime copies its node_modules from a build stage');
    const run = instructionsOf(deps, 'RUN')
      .map((r) => r.getArgumentsContent() ?? '')
      .find((r) => /\bnpm ci\b/.test(r));
    assert.ok(run, 'npm ci (the lock file, nothing else)');
    assert.match(run, /--omit=dev\b/);
    if (/--ignore-scripts\b/.test(run)) {
      const lock = JSON.parse(read('package-lock.json')) as {
        packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }>;
      };
      const withScripts = Object.entries(lock.packages)
        .filter(([, entry]) => entry.hasInstallScript && !entry.dev)
        .map(([key]) => key);
      // A production dependency that needs its install script would be broken in the image.
      assert.deepEqual(withScripts, ['node_modules/node']);
      assert.match(run, /rm -rf[^&]*\bnode_modules\/node\b/, 'the empty `node` package is removed');
    }
  });

  test('.dockerignore keeps node_modules, .git, data and the tests out, and lets in all the image copies', () => {
    for (const file of [
      'node_modules/fastify/package.json',
      'node_modules/node/bin/node',
      '.git/HEAD',
      'data/master.key',
      'data/dev-client.json',
      'data/pgdata/PG_VERSION',
      'test/cli.test.ts',
      'test/helpers/compose.ts',
      'bench/out/result.json',
      'test-results/connect/page.png',
      '.env',
      'src/config.test.ts',
      'src/formats/csv/fixtures/sample.csv',
    ])
      assert.ok(ignored(file), `${file} is kept out of the build context`);
    const copied = stages.flatMap((stage) =>
      instructionsOf(stage, 'COPY')
        .filter((c) => !c.getTextContent().includes('--from='))
        .flatMap((c) =>
          c
            .getArguments()
            .map((a) => a.getValue())
            .slice(0, -1),
        ),
    );
    assert.ok(copied.includes('src') && copied.includes('package.json'), copied.join(' '));
    for (const source of copied) {
      const files = fs.statSync(path.join(root, source)).isDirectory() ? listFiles(root, source) : [source];
      const needed = files.filter((f) => !/\.test\.ts$/.test(f) && !f.split('/').includes('fixtures'));
      assert.ok(needed.length > 0, source);
      assert.deepEqual(
        needed.filter((f) => ignored(f)),
        [],
        `files the image needs that .dockerignore drops (under ${source})`,
      );
    }
  });
});

test('the image builds and runs: /health answers, the health check turns healthy, SIGTERM exits 0', {
  timeout: 30 * 60_000,
}, async (t) => {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (info.error || info.status !== 0) {
    const why =
      info.error?.message ?? (info.stderr.trim().split('\n').at(-1) || `docker info exited ${info.status}`);
    t.skip(`no container engine: ${why}`);
    return;
  }
  const docker = (...args: string[]) => {
    const result = spawnSync('docker', args, { encoding: 'utf8', timeout: 25 * 60_000, maxBuffer: 64 << 20 });
    assert.equal(result.status, 0, `docker ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`);
    return result.stdout.trim();
  };
  const tag = `tesoro-test:${randomBytes(4).toString('hex')}`;
  docker('build', '--tag', tag, root);
  let container: string | undefined;
  try {
    assert.equal(
      docker('image', 'inspect', '--format', '{{.Config.User}}', tag),
      argumentsOf(runtime, 'USER'),
    );
    container = docker(
      'run',
      '--detach',
      '--init',
      '--env',
      `TESORO_MASTER_KEY=${randomBytes(32).toString('base64')}`,
      '--publish',
      '127.0.0.1::8080',
      '--health-interval',
      '2s',
      '--health-start-period',
      '0s',
      tag,
    );
    const address = docker('port', container, '8080/tcp').split('\n')[0]!;
    const deadline = Date.now() + 180_000;
    let health = '';
    for (;;) {
      health = docker('inspect', '--format', '{{.State.Health.Status}}', container);
      const live = await fetch(`http://${address}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (live && health === 'healthy') break;
      assert.ok(Date.now() < deadline, `not healthy in time (${health}):\n${docker('logs', container)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    docker('stop', '--time', '30', container);
    assert.equal(
      docker('inspect', '--format', '{{.State.ExitCode}}', container),
      '0',
      docker('logs', container),
    );
  } finally {
    if (container) spawnSync('docker', ['rm', '--force', '--volumes', container]);
    spawnSync('docker', ['image', 'rm', '--force', tag]);
  }
});

/** Every variable compose.yaml asks for, set (for reading it; the walkthrough sets its own). */
const allSet: Record<string, string | undefined> = {
  TESORO_MASTER_KEY: 'placeholder',
  POSTGRES_PASSWORD: 'placeholder',
};

describe('compose.yaml', () => {
  const services = compose.services;

  test('postgres, migrate, api and worker: one image, health checks, a named volume, the start order', () => {
    for (const name of ['postgres', ...tesoroServices]) assert.ok(services[name], `service ${name}`);
    const postgres = services.postgres!;
    assert.match(postgres.image ?? '', /^postgres:\d+/, 'the official image, a pinned major version');
    assert.ok(!/:latest$/.test(postgres.image ?? ''));
    assert.match(JSON.stringify(postgres.healthcheck?.test), /pg_isready/);
    const dataVolume = postgres.volumes?.find((v) => v.endsWith(':/var/lib/postgresql/data'));
    const volumeName = dataVolume?.split(':')[0];
    assert.ok(volumeName && !volumeName.includes('/'), 'a named volume, not a host path');
    assert.ok(compose.volumes && volumeName in compose.volumes, `volume ${volumeName} declared`);

    const api = services.api!;
    for (const name of tesoroServices) {
      const service = services[name]!;
      assert.deepEqual(service.build, api.build, `${name} builds the same image`);
      assert.equal(service.image, api.image, `${name} is tagged as the same image`);
      assert.equal(service.init, true, `${name}: init: true (tini forwards signals)`);
    }
    assert.ok(api.build, 'built from the Dockerfile');
    const context = typeof api.build === 'string' ? api.build : (api.build as { context: string }).context;
    assert.equal(context, '.');
    assert.ok(api.image && !/:latest\b/.test(api.image));

    assert.deepEqual(services.migrate!.command, ['migrate']);
    assert.deepEqual(api.command, ['serve']);
    assert.deepEqual(services.worker!.command, ['worker']);
    assert.equal(serviceEnvironment(api, allSet).TESORO_WORKERS, 'false', 'the API runs no job workers');
    assert.ok(
      api.ports?.some((p) => /:8080$/.test(p)),
      'the API port is published',
    );

    const condition = (service: ComposeService, on: string) =>
      (service.depends_on as Record<string, { condition: string }> | undefined)?.[on]?.condition;
    assert.equal(condition(services.migrate!, 'postgres'), 'service_healthy');
    for (const name of ['api', 'worker']) {
      const service = services[name]!;
      assert.equal(condition(service, 'postgres'), 'service_healthy', name);
      assert.equal(condition(service, 'migrate'), 'service_completed_successfully', name);
      assert.equal(service.restart, 'unless-stopped', name);
      const check = service.healthcheck?.test;
      assert.ok(Array.isArray(check) && !service.healthcheck!.disable, `${name} has a health check`);
      assert.equal(check[0], 'CMD', `${name}: an exec-form health check`);
      // Each word a string: an unquoted `a ? b : c` in YAML is a mapping, not a command line.
      for (const word of check) assert.equal(typeof word, 'string', `${name}: ${JSON.stringify(word)}`);
      assert.ok(service.stop_grace_period, `${name}: stop_grace_period`);
    }
    // The worker lets its running refreshes end for up to 30 s (src/cli/worker.ts): more than that.
    assert.ok(seconds(services.worker!.stop_grace_period!) > 30);
  });

  test('no secret in the file: the master key and the database password come from the environment', () => {
    assert.doesNotMatch(composeText, /[A-Za-z0-9+/]{42,}={0,2}/, 'nothing that looks like a key');
    for (const name of tesoroServices) {
      const raw = (services[name]!.environment as Record<string, string>).TESORO_MASTER_KEY;
      assert.match(raw ?? '', /^\$\{TESORO_MASTER_KEY:\?[^}]*\}$/, `${name}: required from the environment`);
      assert.throws(
        () => serviceEnvironment(services[name]!, { ...allSet, TESORO_MASTER_KEY: undefined }),
        /TESORO_MASTER_KEY/,
      );
    }
    assert.throws(
      () => serviceEnvironment(services.postgres!, { ...allSet, POSTGRES_PASSWORD: undefined }),
      /POSTGRES_PASSWORD/,
    );
  });

  test("the Tesoro services set only Tesoro's own variables (no misspelt name silently ignored)", () => {
    const known = new Set<string>(environmentVariables.map((v) => v.name));
    for (const name of tesoroServices)
      for (const variable of Object.keys(serviceEnvironment(services[name]!, allSet)))
        assert.ok(known.has(variable), `${name}: ${variable} is not a Tesoro variable`);
  });
});

function seconds(duration: string): number {
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    total += Number(amount) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as 'ms' | 's' | 'm' | 'h'];
  return total;
}

const postgresSkip = !process.env.TEST_DATABASE_URL
  ? 'no PostgreSQL: set TEST_DATABASE_URL=postgres://user@host:port/postgres (a role that may create databases)'
  : process.env.TESORO_TEST_ENGINE === 'pglite'
    ? 'runs once, in the PostgreSQL run of npm test'
    : false;

test('the documented equivalent of `docker compose up`: migrate, api and worker as processes; the README walkthrough', {
  skip: postgresSkip,
  timeout: 10 * 60_000,
}, async (t) => {
  const database = await createPostgresDatabase();
  const tree = stageImage(root, stages, ignored);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-compose-data-'));
  const running: Service[] = [];
  try {
    const apiPort = await freePort();
    const metricsPort = await freePort();
    // What an operator exports before `docker compose up` (compose.yaml's header).
    const vars = {
      TESORO_MASTER_KEY: randomBytes(32).toString('base64'),
      POSTGRES_PASSWORD: randomBytes(12).toString('hex'),
      TESORO_PORT: String(apiPort),
    };
    const postgresEnv = serviceEnvironment(compose.services.postgres!, vars);
    const imageEnv = stageEnvironment(runtime);
    /**
     * A service's process environment: the image's ENV, then the service's `environment`
     * interpolated. What a container network does is done by hand: the `postgres` host becomes
     * the test server (a fresh database), the API's container port its published port, and
     * loopback stands for the container's interface (HOST 0.0.0.0 would open the test machine).
     */
    const environmentOf = (name: string): Record<string, string> => {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        ...imageEnv,
        ...serviceEnvironment(compose.services[name]!, vars),
      };
      const url = new URL(env.DATABASE_URL!);
      assert.equal(url.hostname, 'postgres', `${name} reaches the postgres service`);
      assert.equal(url.username, postgresEnv.POSTGRES_USER);
      assert.equal(decodeURIComponent(url.password), postgresEnv.POSTGRES_PASSWORD);
      assert.equal(url.pathname, `/${postgresEnv.POSTGRES_DB}`);
      env.DATABASE_URL = database.url;
      env.HOST = '127.0.0.1';
      env.TESORO_DATA_DIR = dataDir;
      if (name === 'api') env.PORT = String(apiPort);
      if (env.TESORO_METRICS_PORT) env.TESORO_METRICS_PORT = String(metricsPort);
      return env;
    };
    const argvOf = (service: ComposeService) => {
      const entrypoint = Array.isArray(service.entrypoint) ? service.entrypoint : imageEntrypoint!;
      const command = Array.isArray(service.command) ? service.command : imageCmd!;
      return [...entrypoint, ...command];
    };
    const healthcheck = (name: string) => {
      const check = compose.services[name]!.healthcheck!.test as string[];
      assert.equal(check[0], 'CMD', `${name}: an exec-form health check`);
      return runService(check.slice(1), environmentOf(name), tree);
    };
    const apiEnv = environmentOf('api');
    const workerEnv = environmentOf('worker');
    assert.equal(apiEnv.TESORO_WORKERS, 'false');
    const baseUrl = `http://127.0.0.1:${apiPort}`;

    // Nothing is up yet: the health checks must say so.
    assert.notEqual((await healthcheck('api')).code, 0, 'the api check fails while nothing listens');
    assert.notEqual((await healthcheck('worker')).code, 0, 'the worker check fails while nothing listens');

    // 1. migrate (one-off), after postgres is healthy.
    const migrate = await runService(argvOf(compose.services.migrate!), environmentOf('migrate'), tree);
    assert.equal(migrate.code, 0, migrate.output);
    assert.match(migrate.stdout, /Applied \d+ migrations?/);

    // 2. api and worker, once migrate has completed successfully.
    const api = startService(argvOf(compose.services.api!), apiEnv, tree);
    running.push(api);
    const worker = startService(argvOf(compose.services.worker!), workerEnv, tree);
    running.push(worker);
    await until('the api answers /ready', api, async () => (await fetch(`${baseUrl}/ready`)).ok);
    await until(
      'the worker health check passes',
      worker,
      async () => (await healthcheck('worker')).code === 0,
    );
    const apiCheck = await healthcheck('api');
    assert.equal(apiCheck.code, 0, apiCheck.output);
    const imageCheck = await runService(
      healthcheckCommand(argumentsOf(runtime, 'HEALTHCHECK'))!,
      apiEnv,
      tree,
    );
    assert.equal(imageCheck.code, 0, `the image's HEALTHCHECK: ${imageCheck.output}`);

    // 3. The README walkthrough. No dev client on PostgreSQL: one is created as the operations
    // docs say (`docker compose exec api node src/main.ts clients create --name "My app" --json`).
    const created = await runService(
      [...imageEntrypoint!, 'clients', 'create', '--name', 'My app', '--json'],
      apiEnv,
      tree,
    );
    assert.equal(created.code, 0, created.output);
    const client = JSON.parse(created.stdout) as { client_id: string; client_secret: string };
    const tokenResponse = await getToken(baseUrl, client.client_id, client.client_secret);
    assert.equal(tokenResponse.status, 200);
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const call = (url: string, init?: RequestInit) => callApi(baseUrl, token, url, init);

    const institutions = await call('/v1/institutions');
    assert.equal(institutions.status, 200);
    assert.ok(institutions.body.data.some((i: Json) => i.id === 'ins_sandbox_bank'));

    const connection = await call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        institution_id: 'ins_sandbox_bank',
        credentials: { username: 'user_good', password: 'pass_good' },
        access_mode: 'recurrent',
      }),
    });
    assert.equal(connection.status, 201, JSON.stringify(connection.body));
    const id = connection.body.id as string;
    // The API runs no workers: the connection gets to `ok` only if the worker process runs the refresh.
    let status = '';
    await until(`connection ${id} reaches ok`, worker, async () => {
      const { body } = await call(`/v1/connections/${id}`);
      status = body.status;
      assert.ok(!(errorStatuses as readonly string[]).includes(status), `the refresh failed: ${status}`);
      return status === 'ok' && body.refresh === null;
    });

    const accounts = await call(`/v1/accounts?connection_id=${id}`);
    assert.equal(accounts.status, 200);
    assert.ok(accounts.body.data.length > 0, 'accounts');
    const transactions = await call(`/v1/transactions?connection_id=${id}&page_size=5`);
    assert.equal(transactions.status, 200);
    assert.equal(transactions.body.data.length, 5, JSON.stringify(transactions.body));
    for (const transaction of transactions.body.data)
      assert.ok(transaction.operation_date && transaction.amount);

    // The worker, not the API, ran it (each process counts the refreshes it ran).
    const scrape = async (url: string) => (await fetch(url)).text();
    const succeeded = (metrics: string) =>
      [...metrics.matchAll(/^tesoro_refreshes_total\{[^}]*outcome="succeeded"[^}]*\} (\d+)/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    assert.ok(succeeded(await scrape(`http://127.0.0.1:${metricsPort}/metrics`)) >= 1, 'the worker ran it');
    assert.equal(succeeded(await scrape(`${baseUrl}/metrics`)), 0, 'the API ran no refresh');

    // What is running: PostgreSQL, the last migration, and no commit (no .git in the image).
    const version = (await (await fetch(`${baseUrl}/version`)).json()) as Json;
    const migrations = fs
      .readdirSync(path.join(root, 'src/store/migrations'))
      .filter((f) => /^\d{4}-/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    assert.equal(version.database, 'postgres');
    assert.equal(version.schema, migrations.at(-1));
    assert.equal(version.commit, null);

    // 4. `docker compose down`: SIGTERM to each; both drain and exit 0.
    assert.equal(await api.stop('SIGTERM'), 0, api.output());
    assert.equal(await worker.stop('SIGTERM'), 0, worker.output());
    assert.match(worker.output(), /"msg":"stopped"/);

    // 5. The backup of docs/operations.md: pg_dump, pg_restore into an empty database, and the API
    // on it serves the same client the same data, with the master key, and refuses to start without.
    const tools = ['pg_dump', 'pg_restore'].filter((tool) => spawnSync(tool, ['--version']).status !== 0);
    await t.test(
      'backup and restore with pg_dump / pg_restore',
      {
        skip: tools.length > 0 && `${tools.join(' and ')} not on PATH`,
      },
      async () => {
        const dump = path.join(dataDir, 'tesoro.dump');
        const dumped = spawnSync('pg_dump', ['--format=custom', '--file', dump, database.url], {
          encoding: 'utf8',
        });
        assert.equal(dumped.status, 0, dumped.stderr);
        const restored = await createPostgresDatabase();
        try {
          const loaded = spawnSync('pg_restore', ['--no-owner', '--dbname', restored.url, dump], {
            encoding: 'utf8',
          });
          assert.equal(loaded.status, 0, loaded.stderr);
          const env = { ...apiEnv, DATABASE_URL: restored.url };
          const otherKey = await runService(
            [...imageEntrypoint!, 'migrate'],
            { ...env, TESORO_MASTER_KEY: randomBytes(32).toString('base64') },
            tree,
          );
          assert.equal(otherKey.code, 2, otherKey.output);
          assert.match(otherKey.output, /TESORO_MASTER_KEY/);
          const again = startService(argvOf(compose.services.api!), env, tree);
          running.push(again);
          await until(
            'the restored api answers /ready',
            again,
            async () => (await fetch(`${baseUrl}/ready`)).ok,
          );
          const response = await getToken(baseUrl, client.client_id, client.client_secret);
          assert.equal(response.status, 200, 'the client and its secret are in the backup');
          const { access_token: restoredToken } = (await response.json()) as { access_token: string };
          const listed = await fetch(`${baseUrl}/v1/transactions?connection_id=${id}&page_size=5`, {
            headers: { authorization: `Bearer ${restoredToken}` },
          });
          const body = (await listed.json()) as Json;
          assert.deepEqual(
            body.data.map((row: Json) => row.id),
            transactions.body.data.map((row: Json) => row.id),
          );
          assert.equal(await again.stop('SIGTERM'), 0, again.output());
        } finally {
          await restored.drop();
        }
      },
    );
  } finally {
    for (const service of running) await service.stop('SIGKILL');
    await database.drop();
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('docs/operations.md', () => {
  const doc = read('docs/operations.md');

  test("names only variables that exist: Tesoro's, TESORO_COMMIT, and those compose.yaml reads", () => {
    const allowed = new Set<string>([
      ...environmentVariables.map((v) => v.name),
      'TESORO_COMMIT',
      ...[...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!),
    ]);
    const named = new Set([...doc.matchAll(/\b(?:TESORO|DATABASE)_[A-Z0-9_]+\b/g)].map((m) => m[0]));
    assert.deepEqual(
      [...named].filter((name) => !allowed.has(name)),
      [],
    );
  });

  test("its plain-process commands are the compose services' commands", () => {
    const section = doc.slice(doc.indexOf('## Without containers'));
    const lines = section.split('\n');
    for (const name of tesoroServices) {
      const command = [...imageEntrypoint!, ...(compose.services[name]!.command as string[])].join(' ');
      const line = lines.find((l) => new RegExp(`(^|\\s)${command}(\\s|$)`).test(l));
      assert.ok(line, `"${command}" (the ${name} service) is in "Without containers"`);
      for (const [key, value] of Object.entries(serviceEnvironment(compose.services[name]!, allSet)))
        if (
          ![
            'DATABASE_URL',
            'TESORO_MASTER_KEY',
            'TESORO_PUBLIC_URL',
            'TESORO_METRICS_TOKEN',
            'LOG_LEVEL',
          ].includes(key)
        )
          assert.ok(line.includes(`${key}=${value}`), `${name}: ${key}=${value} on "${line}"`);
    }
  });

  test('its links lead to files that exist', () => {
    for (const [, target] of doc.matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      assert.ok(fs.existsSync(path.join(root, 'docs', target!)), target);
    }
  });
});

/** Polls `check` (errors count as not yet) until it holds; fails with the process's output. */
async function until(what: string, service: Service, check: () => Promise<boolean>, timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (service.child.exitCode !== null) throw new Error(`exited before ${what}:\n${service.output()}`);
    try {
      if (await check()) return;
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting until ${what} (${String(last ?? '')}):\n${service.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

// Compose's interpolation as the helper implements it (the walkthrough relies on it). `%{` stands
// for a dollar and a brace, which the linter would take for a mistaken template string.
test('interpolation: defaults, nested defaults, required variables, $$', () => {
  const run = (text: string, vars: Record<string, string>) =>
    interpolate(text.replaceAll('%{', '$' + '{'), vars);
  assert.equal(run('%{A:-x}', {}), 'x');
  assert.equal(run('%{A:-x}', { A: '' }), 'x');
  assert.equal(run('%{A-x}', { A: '' }), '');
  assert.equal(run('http://h:%{A:-%{B:-80}}/p', { B: '81' }), 'http://h:81/p');
  assert.equal(run('$$A %{A} $A', { A: 'y' }), '$A y y');
  assert.throws(() => run('%{A:?set A}', {}), /set A/);
  assert.equal(run('%{A:+on}', { A: '1' }), 'on');
  assert.equal(run('%{A:+on}', {}), '');
});
