// /metrics as Prometheus scrapes it, /version, and request ids in log lines. Each metric the
// operations docs name is shown to move when its event happens: HTTP requests by route, refreshes
// by connector and outcome, webhook attempts by outcome, imports by format and outcome, and the
// job queue's depth and age read from pg-boss's tables.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PgBoss } from 'pg-boss';
import { REFRESH_CONNECTION } from '../src/jobs/definitions.ts';
import { queueDepthReader } from '../src/jobs/queue-metrics.ts';
import { startQueue } from '../src/jobs/workers.ts';
import { createLogger } from '../src/logger.ts';
import { createConnection, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { createTestDatabase } from './helpers/database.ts';
import { freePort, startProcess } from './helpers/processes.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';

/** The value of one sample (`name{labels} value`), 0 when the series does not exist yet. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(/,(?=[a-zA-Z_]+=")/);
    if (wanted.every((pair) => present.includes(pair))) return Number(match[3]);
  }
  return 0;
}

describe('metrics and version on the API', () => {
  let ctx: TestContext;
  let token: string;
  let clientId: string;
  let receiver: Receiver;
  const scrape = async () => {
    const response = await ctx.app.inject({ url: '/metrics' });
    assert.equal(response.statusCode, 200, response.body);
    return response.body;
  };
  /** Scrapes until `moved` holds (the event is counted once its transaction commits). */
  const scrapeUntil = async (moved: (text: string) => boolean, what: string) => {
    for (let i = 0; i < 600; i++) {
      const text = await scrape();
      if (moved(text)) return text;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the metrics never showed ${what}`);
  };

  before(async () => {
    receiver = await startReceiver();
    ctx = await buildTestContext({
      extraRoutes: (app) =>
        // A use case logs with the process's logger, after an await: the line still names the request.
        app.get('/test/use-case-log', async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          app.log.info({ step: 'inside a use case' }, 'use case log line');
          return { logged: true };
        }),
    });
    const client = await ctx.createClient();
    clientId = client.id;
    token = await ctx.tokenFor(client);
  });
  after(async () => {
    await ctx.close();
    await receiver.close();
  });

  test('Prometheus text with the process figures, HTTP requests counted by route pattern, no ids', async () => {
    const response = await ctx.app.inject({ url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
    assert.ok(sample(response.body, 'tesoro_process_resident_memory_bytes') > 0);
    assert.match(response.body, /^# TYPE tesoro_nodejs_eventloop_lag_p99_seconds gauge$/m);

    const route = { method: 'GET', route: '/v1/connections/:id', status_code: '404' };
    const before = sample(response.body, 'tesoro_http_request_duration_seconds_count', route);
    const missing = await ctx.call(token, { url: '/v1/connections/con_0000000000000000' });
    assert.equal(missing.statusCode, 404);
    const text = await scrape();
    assert.equal(sample(text, 'tesoro_http_request_duration_seconds_count', route), before + 1);
    assert.ok(!text.includes('con_0000000000000000'), 'a path is never a label');
    assert.ok(!text.includes(clientId), 'no client id in the metrics');
  });

  test('refreshes by connector and outcome, with their duration', async () => {
    const ok = { connector: 'sandbox', outcome: 'succeeded' };
    const bad = { connector: 'sandbox', outcome: 'credentials_invalid' };
    const start = await scrape();
    const good = await createConnection(ctx, token, {
      institution_id: 'ins_sandbox_bank',
      credentials: { username: 'user_good', password: 'pass_good' },
    });
    await waitForConnection(ctx, token, good.id);
    // A wrong password: the connection is created, its first refresh fails.
    const wrong = await createConnection(ctx, token, {
      institution_id: 'ins_sandbox_bank',
      credentials: { username: 'user_good', password: 'not the password' },
    });
    const failed = await waitForConnection(ctx, token, wrong.id);
    assert.equal(failed.status, 'credentials_invalid');
    const text = await scrapeUntil(
      (t) =>
        sample(t, 'tesoro_refreshes_total', ok) === sample(start, 'tesoro_refreshes_total', ok) + 1 &&
        sample(t, 'tesoro_refreshes_total', bad) === sample(start, 'tesoro_refreshes_total', bad) + 1,
      'the two refreshes',
    );
    assert.equal(
      sample(text, 'tesoro_refresh_duration_seconds_count', ok),
      sample(start, 'tesoro_refresh_duration_seconds_count', ok) + 1,
    );
  });

  test('webhook attempts by outcome, with the receiver’s latency', async () => {
    const created = await ctx.call(token, {
      method: 'POST',
      url: '/v1/webhook-endpoints',
      payload: { url: receiver.url },
    });
    assert.equal(created.statusCode, 201, created.body);
    const endpoint = created.json() as { id: string };
    const start = await scrape();
    const succeeded = { outcome: 'succeeded' };
    const retrying = { outcome: 'retrying' };

    receiver.respond(() => ({ status: 200 }));
    const first = await ctx.call(token, { method: 'POST', url: `/v1/webhook-endpoints/${endpoint.id}/test` });
    assert.equal(first.statusCode, 202, first.body);
    let text = await scrapeUntil(
      (t) =>
        sample(t, 'tesoro_webhook_deliveries_total', succeeded) ===
        sample(start, 'tesoro_webhook_deliveries_total', succeeded) + 1,
      'a delivered webhook',
    );
    assert.equal(
      sample(text, 'tesoro_webhook_delivery_duration_seconds_count', succeeded),
      sample(start, 'tesoro_webhook_delivery_duration_seconds_count', succeeded) + 1,
    );

    receiver.respond(() => ({ status: 500 }));
    await ctx.call(token, { method: 'POST', url: `/v1/webhook-endpoints/${endpoint.id}/test` });
    text = await scrapeUntil(
      (t) =>
        sample(t, 'tesoro_webhook_deliveries_total', retrying) ===
        sample(start, 'tesoro_webhook_deliveries_total', retrying) + 1,
      'a failed attempt to be tried again',
    );
    receiver.respond(() => ({ status: 200 }));
  });

  test('imports by mode, format and outcome, and the transactions they read', async () => {
    const upload = (body: string) =>
      ctx.call(token, {
        method: 'POST',
        url: '/v1/imports?currency=USD',
        headers: { 'content-type': 'application/octet-stream' },
        payload: Buffer.from(body),
      });
    const start = await scrape();
    const qif = '!Type:Bank\nD2026-11-02\nT-19.99\nPStreaming service\n^\nD2026-11-03\nT100.00\nPRefund\n^\n';
    const imported = await upload(qif);
    assert.equal(imported.statusCode, 201, imported.body);
    const refused = await upload('this is not a bank statement\n');
    assert.equal(refused.statusCode, 422, refused.body);
    const text = await scrape();
    const okLabels = { mode: 'sync', format: 'qif', outcome: 'succeeded' };
    assert.equal(
      sample(text, 'tesoro_imports_total', okLabels),
      sample(start, 'tesoro_imports_total', okLabels) + 1,
    );
    const refusedBefore = sample(start, 'tesoro_imports_total', { mode: 'sync', outcome: 'refused' });
    assert.equal(
      sample(text, 'tesoro_imports_total', { mode: 'sync', outcome: 'refused' }),
      refusedBefore + 1,
    );
    assert.equal(
      sample(text, 'tesoro_import_transactions_total', { format: 'qif' }),
      sample(start, 'tesoro_import_transactions_total', { format: 'qif' }) + 2,
    );
    // A queued import is counted by the job that stores it.
    const queued = await ctx.call(token, {
      method: 'POST',
      url: '/v1/imports?currency=USD&async=true',
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from(qif.replace('Refund', 'Refund again')),
    });
    assert.equal(queued.statusCode, 202, queued.body);
    const queuedLabels = { mode: 'queued', format: 'qif', outcome: 'succeeded' };
    await scrapeUntil(
      (t) =>
        sample(t, 'tesoro_imports_total', queuedLabels) ===
        sample(start, 'tesoro_imports_total', queuedLabels) + 1,
      'the queued import',
    );
  });

  test('a log line written by a use case during a request names the request id', async () => {
    const response = await ctx.app.inject({
      url: '/test/use-case-log',
      headers: { 'x-request-id': 'trace-42' },
    });
    assert.equal(response.statusCode, 200);
    const line = ctx.logs.find((l) => l.msg === 'use case log line');
    assert.equal(line?.reqId, 'trace-42');
    // Fastify's own request lines keep theirs, once (no second reqId member).
    const own = ctx
      .logText()
      .split('\n')
      .find((l) => l.includes('"reqId":"trace-42"') && l.includes('request completed'));
    assert.equal(own?.split('"reqId"').length, 2);
  });

  test('the Grafana dashboard in docs/ charts only metrics the server exports', async () => {
    const text = await scrape();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)].map((m) => m[1]!));
    const dashboard = JSON.parse(fs.readFileSync('docs/grafana/tesoro-dashboard.json', 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: Array<{ expr: string }> }) =>
      (p.targets ?? []).map((t) => t.expr),
    );
    assert.ok(exprs.length >= 10);
    const charted = new Set(exprs.flatMap((e) => [...e.matchAll(/\btesoro_\w+/g)].map((m) => m[0])));
    const unknown = [...charted].filter(
      (name) => !exported.has(name) && !exported.has(name.replace(/_(bucket|count|sum)$/, '')),
    );
    assert.deepEqual(unknown, []);
    // Each family the operations docs name is on a chart.
    for (const name of [
      'tesoro_http_request_duration_seconds_bucket',
      'tesoro_refreshes_total',
      'tesoro_jobs_ready',
      'tesoro_jobs_oldest_ready_age_seconds',
      'tesoro_webhook_deliveries_total',
      'tesoro_webhook_delivery_duration_seconds_bucket',
      'tesoro_imports_total',
    ])
      assert.ok(charted.has(name), name);
  });

  test('/version names the release, the Node.js and the schema applied', async () => {
    const response = await ctx.app.inject({ url: '/version' });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
    const migrations = fs
      .readdirSync('src/store/migrations')
      .filter((f) => /^\d{4}-/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    assert.equal(body.version, pkg.version);
    assert.equal(body.node, process.version);
    assert.equal(body.schema, migrations.at(-1));
    assert.ok(body.commit === null || /^[0-9a-f]{40}$/.test(body.commit), body.commit);
    const doc = (await ctx.app.inject({ url: '/openapi.json' })).json();
    assert.equal(doc.info.version, pkg.version);
  });
});

test('with TESORO_METRICS_TOKEN the metrics need it as a bearer token', async () => {
  const ctx = await buildTestContext({ metricsToken: 'metrics-token-0123456789' });
  try {
    const none = await ctx.app.inject({ url: '/metrics' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().code, 'AUTH_TOKEN_MISSING');
    const wrong = await ctx.app.inject({ url: '/metrics', headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().code, 'AUTH_TOKEN_INVALID');
    const right = await ctx.app.inject({
      url: '/metrics',
      headers: { authorization: 'Bearer metrics-token-0123456789' },
    });
    assert.equal(right.statusCode, 200);
    assert.match(right.body, /tesoro_http_request_duration_seconds/);
  } finally {
    await ctx.close();
  }
});

test('queue depth: ready, deferred and active jobs, and the age of the oldest ready one', async () => {
  // A queue with no workers: the jobs stay where they are put.
  const database = await createTestDatabase();
  const boss: PgBoss = await startQueue(database, createLogger('silent'), false);
  try {
    const read = queueDepthReader(boss, database);
    const depth = async () => (await read()).find((d) => d.queue === REFRESH_CONNECTION)!;
    assert.deepEqual(await depth(), {
      queue: REFRESH_CONNECTION,
      ready: 0,
      deferred: 0,
      active: 0,
      oldestReadySeconds: 0,
    });
    await boss.send(REFRESH_CONNECTION, { refreshId: 'ref_a' });
    await boss.send(REFRESH_CONNECTION, { refreshId: 'ref_b' });
    await boss.send(REFRESH_CONNECTION, { refreshId: 'ref_c' }, { startAfter: 3600 });
    let now = await depth();
    assert.equal(now.ready, 2);
    assert.equal(now.deferred, 1);
    assert.equal(now.active, 0);
    assert.ok(now.oldestReadySeconds >= 0);
    const [fetched] = await boss.fetch(REFRESH_CONNECTION);
    assert.ok(fetched);
    now = await depth();
    assert.equal(now.ready, 1);
    assert.equal(now.active, 1);
  } finally {
    await boss.stop({ graceful: false, timeout: 2000 });
    await database.close();
  }
});

test('`tesoro worker` serves /metrics and /health on TESORO_METRICS_PORT', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-worker-metrics-'));
  const port = await freePort();
  const worker = startProcess(['worker'], {
    TESORO_DATA_DIR: dataDir,
    TESORO_METRICS_PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  try {
    await worker.waitFor(/"msg":"worker started"/, 120_000);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.equal(sample(text, 'tesoro_jobs_ready', { queue: REFRESH_CONNECTION }), 0);
    assert.match(text, /^tesoro_jobs_ready\{queue="connection\.refresh"\} 0$/m);
    assert.equal(await worker.stop('SIGTERM'), 0);
  } finally {
    await worker.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
