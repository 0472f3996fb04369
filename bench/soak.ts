// npm run bench:soak — does Tesoro hold up under a steady mix of traffic for half an hour? A real
// `tesoro serve` child process (fresh PGlite data dir, or a fresh PostgreSQL database) takes, at
// once and for MINUTES minutes:
//   - readers: each pages through a connection's transactions (cursor pages of 100), reads its
//     accounts and follows its sync feed, then starts again (READERS loops, a short pause between calls);
//   - refreshes: every REFRESH_EVERY seconds a refresh of one of CONNECTIONS sandbox connections
//     (`user_good`), in turn;
//   - imports: every IMPORT_EVERY seconds a CSV statement of 500 movements, each file different;
//   - webhooks: one endpoint for every event, on a receiver that answers after RECEIVER_DELAY ms.
// Every SAMPLE seconds it reads the server's /metrics (resident memory, heap used, the event loop's
// delay p99 and max over the interval, jobs ready) and counts the requests made meanwhile, their
// errors (5xx and failed connections) and the slowest read. The table it prints is what
// bench/README.md commits; the verdict lines compare the last five minutes with minutes 5–10
// (growth) and name the worst event-loop stall.
//
//   node bench/soak.ts [--minutes 30] [--only PGlite|PostgreSQL] [--out FILE]
//
// PostgreSQL runs when BENCH_DATABASE_URL (or TEST_DATABASE_URL, DATABASE_URL) names a server where
// the bench may create databases.
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { machine, median, table } from './measure.ts';
import {
  type Api,
  apiFor,
  benchDatabase,
  benchEngines,
  devClient,
  type EngineName,
  option,
  serverVersion,
  startServer,
} from './server-process.ts';

const HERE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const MINUTES = Number(option('minutes', '30'));
const ONLY = option('only', undefined);
const OUT = option('out', undefined);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const SAMPLE_SECONDS = Number(option('sample', '10'));
const READERS = Number(option('readers', '4'));
const READ_PAUSE_MS = 20;
const CONNECTIONS = 4;
const REFRESH_EVERY_SECONDS = 15;
const IMPORT_EVERY_SECONDS = 20;
const IMPORT_ROWS = 500;
const RECEIVER_DELAY_MS = Number(option('receiver-delay', '2000'));

/** What the load did in one sampling interval, and what the server said about itself at its end. */
interface Sample {
  second: number;
  requests: number;
  errors: number;
  /** 3xx and 4xx answers (a refresh already queued is a 409): listed by kind in the report. */
  refused: number;
  slowestReadMs: number;
  rssMb: number;
  heapMb: number;
  loopP99Ms: number;
  loopMaxMs: number;
  jobsReady: number;
  deliveries: number;
}

/** Counters the load loops add to; `take` empties them into a sample. */
class Window {
  requests = 0;
  errors = 0;
  refused = 0;
  slowestReadMs = 0;
  readonly errorExamples: string[] = [];
  /** `what status` → how many, over the whole run. */
  readonly refusals = new Map<string, number>();

  count(status: number, what: string, ms?: number): void {
    this.requests++;
    if (status >= 500 || status === 0) {
      this.errors++;
      if (this.errorExamples.length < 10) this.errorExamples.push(`${what}: ${status}`);
    } else if (status >= 300 && status !== 202) {
      this.refused++;
      const key = `${what} ${status}`;
      this.refusals.set(key, (this.refusals.get(key) ?? 0) + 1);
    }
    if (ms !== undefined) this.slowestReadMs = Math.max(this.slowestReadMs, ms);
  }

  take() {
    const taken = {
      requests: this.requests,
      errors: this.errors,
      refused: this.refused,
      slowestReadMs: this.slowestReadMs,
    };
    this.requests = this.errors = this.refused = this.slowestReadMs = 0;
    return taken;
  }
}

/** A webhook receiver that answers 200 after `delayMs`, counting distinct events (`webhook-id`). */
async function slowReceiver(delayMs: number) {
  const ids = new Set<string>();
  let deliveries = 0;
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      deliveries++;
      ids.add(String(request.headers['webhook-id']));
      setTimeout(() => response.end('ok'), delayMs);
    });
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries: () => deliveries,
    events: () => ids.size,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One Prometheus sample line's value (summed over its labels). */
function metric(text: string, name: string): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
    found = true;
  }
  return found ? total : Number.NaN;
}

/** A statement file nobody sent before: 500 movements of one account, dated across a year. */
function statement(n: number): string {
  const lines = ['Date,Description,Amount'];
  for (let i = 0; i < IMPORT_ROWS; i++) {
    const day = String((i % 28) + 1).padStart(2, '0');
    const month = String((i % 12) + 1).padStart(2, '0');
    const cents = ((n * 7919 + i * 104729) % 100000) - 50000;
    lines.push(`${day}/${month}/2026,SOAK ${n} MOVEMENT ${i},${(cents / 100).toFixed(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Calls that answer with their status, 0 when the request itself failed (refused, reset, timed out). */
async function timed(api: Api, method: string, url: string, body?: unknown) {
  const started = performance.now();
  try {
    const answer = await api.call(method, url, body);
    return { ...answer, ms: performance.now() - started };
  } catch (error) {
    return { status: 0, body: { error: String(error) }, ms: performance.now() - started };
  }
}

async function waitUntilOk(api: Api, id: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const { body } = await api.call('GET', `/v1/connections/${id}`);
    if (body?.status === 'ok' && body.refresh === null) return;
    if (Date.now() > deadline) throw new Error(`connection ${id} not ok: ${JSON.stringify(body)}`);
    await sleep(500);
  }
}

/** Every event the client's log holds (the soak's own: its database is fresh). */
async function countEvents(api: Api): Promise<number> {
  let total = 0;
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { data: unknown[]; next_cursor: string | null } } = await api.call(
      'GET',
      `/v1/events?page_size=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    if (page.status !== 200) throw new Error(`events: ${JSON.stringify(page.body)}`);
    total += page.body.data.length;
    cursor = page.body.next_cursor;
  } while (cursor);
  return total;
}

/** A reader: pages, accounts and the sync feed of one connection, round after round. */
async function reader(api: Api, connection: string, window: Window, until: number): Promise<void> {
  while (Date.now() < until) {
    let cursor: string | null = null;
    do {
      const url: string = `/v1/transactions?connection_id=${connection}&page_size=100${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await timed(api, 'GET', url);
      window.count(page.status, 'GET /v1/transactions', page.ms);
      cursor = page.status === 200 ? page.body.next_cursor : null;
      await sleep(READ_PAUSE_MS);
    } while (cursor && Date.now() < until);
    const accounts = await timed(api, 'GET', `/v1/accounts?connection_id=${connection}`);
    window.count(accounts.status, 'GET /v1/accounts', accounts.ms);
    const sync = await timed(api, 'GET', `/v1/transactions/sync?connection_id=${connection}&count=500`);
    window.count(sync.status, 'GET /v1/transactions/sync', sync.ms);
    await sleep(READ_PAUSE_MS);
  }
}

/** Runs `step` every `seconds` until `until` (a step that overruns delays the next, never overlaps). */
async function every(seconds: number, until: number, step: (n: number) => Promise<void>): Promise<void> {
  for (let n = 0; Date.now() < until; n++) {
    const started = Date.now();
    await step(n);
    await sleep(Math.max(0, Math.min(seconds * 1000 - (Date.now() - started), until - Date.now())));
  }
}

async function soak(engine: EngineName) {
  const database = await benchDatabase(engine, ADMIN_URL, `tesoro_bench_soak_${process.pid}`);
  // One client makes all the calls here, more than the per-client default limit allows (6,000 a
  // minute): the soak measures the server, not its rate limiter.
  const env = { ...database.env, TESORO_ALLOW_PRIVATE_WEBHOOKS: '1', TESORO_RATE_LIMIT: '0' };
  const receiver = await slowReceiver(RECEIVER_DELAY_MS);
  const server = await startServer(HERE, env);
  try {
    const api = await apiFor(server.baseUrl, devClient(HERE, env, 'bench soak'));
    const endpoint = await api.call('POST', '/v1/webhook-endpoints', { url: receiver.url });
    if (endpoint.status !== 201) throw new Error(`webhook endpoint: ${JSON.stringify(endpoint.body)}`);
    const connections: string[] = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      const created = await api.call('POST', '/v1/connections', {
        institution_id: 'ins_sandbox_bank',
        credentials: { username: 'user_good', password: 'pass_good' },
        access_mode: 'recurrent',
        external_id: `soak-${i}`,
      });
      if (created.status !== 201) throw new Error(`connection: ${JSON.stringify(created.body)}`);
      connections.push(created.body.id);
    }
    for (const id of connections) await waitUntilOk(api, id);

    const window = new Window();
    const started = Date.now();
    const until = started + MINUTES * 60_000;
    const samples: Sample[] = [];
    // A scrape now resets the event-loop histogram, so the first sample covers its own 10 s only.
    await fetch(`${server.baseUrl}/metrics`).then((r) => r.text());
    const sampler = (async () => {
      for (let k = 1; k <= (MINUTES * 60) / SAMPLE_SECONDS; k++) {
        await sleep(Math.max(0, started + k * SAMPLE_SECONDS * 1000 - Date.now()));
        const text = await fetch(`${server.baseUrl}/metrics`).then((r) => r.text());
        samples.push({
          second: k * SAMPLE_SECONDS,
          ...window.take(),
          rssMb: metric(text, 'tesoro_process_resident_memory_bytes') / 2 ** 20,
          heapMb: metric(text, 'tesoro_nodejs_heap_size_used_bytes') / 2 ** 20,
          loopP99Ms: metric(text, 'tesoro_nodejs_eventloop_lag_p99_seconds') * 1000,
          loopMaxMs: metric(text, 'tesoro_nodejs_eventloop_lag_max_seconds') * 1000,
          jobsReady: metric(text, 'tesoro_jobs_ready'),
          deliveries: receiver.deliveries(),
        });
        const last = samples.at(-1)!;
        process.stdout.write(
          `${engine} ${last.second}s: ${last.requests} requests, ${last.errors} errors, ${last.refused} refused, RSS ${last.rssMb.toFixed(0)} MB, loop p99 ${last.loopP99Ms.toFixed(1)} ms (max ${last.loopMaxMs.toFixed(0)}), ready jobs ${last.jobsReady}\n`,
        );
      }
    })();
    const refreshes = every(REFRESH_EVERY_SECONDS, until, async (n) => {
      const id = connections[n % connections.length]!;
      const answer = await timed(api, 'POST', `/v1/connections/${id}/refresh`, {});
      window.count(answer.status, 'POST /v1/connections/{id}/refresh');
    });
    const imports = every(IMPORT_EVERY_SECONDS, until, async (n) => {
      const started = performance.now();
      let status = 0;
      try {
        const response = await fetch(
          `${server.baseUrl}/v1/imports?currency=EUR&external_id=soak-import-${n}`,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${api.token}`, 'content-type': 'text/csv' },
            body: statement(n),
          },
        );
        await response.arrayBuffer();
        status = response.status;
      } catch {
        status = 0;
      }
      window.count(status, 'POST /v1/imports', performance.now() - started);
    });
    const readers = Array.from({ length: READERS }, (_, i) =>
      reader(api, connections[i % connections.length]!, window, until),
    );
    await Promise.all([...readers, refreshes, imports, sampler]);
    // Deliveries still in flight get the receiver's delay and a retry's worth of time to land.
    await sleep(RECEIVER_DELAY_MS * 3);
    const eventsRecorded = await countEvents(api);
    return {
      samples,
      errorExamples: window.errorExamples,
      refusals: [...window.refusals].map(([what, count]) => `${count} × ${what}`),
      eventsReceived: receiver.events(),
      eventsRecorded,
    };
  } catch (error) {
    process.stderr.write(`${engine} failed; server output:\n${server.output()}\n`);
    throw error;
  } finally {
    await server.stop();
    await receiver.close();
    await database.drop();
  }
}

type Result = Awaited<ReturnType<typeof soak>>;

const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

function report(engine: EngineName, result: Result): string {
  const { samples } = result;
  const between = (from: number, to: number) =>
    samples.filter((s) => s.second > from * 60 && s.second <= to * 60);
  const early = between(5, 10);
  const late = between(MINUTES - 5, MINUTES);
  const growth = (pick: (s: Sample) => number) =>
    early.length && late.length ? median(late.map(pick)) - median(early.map(pick)) : Number.NaN;
  const worst = samples.reduce((a, b) => (b.loopMaxMs > a.loopMaxMs ? b : a), samples[0]!);
  const total = (pick: (s: Sample) => number) => samples.reduce((sum, s) => sum + pick(s), 0);
  const rows = samples.map((s) => [
    String(s.second),
    String(s.requests),
    String(s.errors),
    String(s.refused),
    fixed(s.slowestReadMs),
    fixed(s.rssMb),
    fixed(s.heapMb),
    fixed(s.loopP99Ms, 1),
    fixed(s.loopMaxMs),
    String(s.jobsReady),
    String(s.deliveries),
  ]);
  return [
    `### ${engine}, ${MINUTES} minutes`,
    '',
    `- ${total((s) => s.requests)} requests, ${total((s) => s.errors)} errors${
      result.errorExamples.length ? ` (${result.errorExamples.join('; ')})` : ''
    }, ${total((s) => s.refused)} refused${result.refusals.length ? ` (${result.refusals.join('; ')})` : ''}.`,
    `- Resident memory, median of the last 5 minutes minus minutes 5–10: ${fixed(
      growth((s) => s.rssMb),
      1,
    )} MB; heap used: ${fixed(
      growth((s) => s.heapMb),
      1,
    )} MB.`,
    `- Event loop: p99 over 10 s at most ${fixed(Math.max(...samples.map((s) => s.loopP99Ms)), 1)} ms (median ${fixed(median(samples.map((s) => s.loopP99Ms)), 1)} ms); worst single delay ${fixed(worst?.loopMaxMs ?? Number.NaN)} ms at ${worst?.second} s.`,
    `- Jobs ready at a sample: at most ${Math.max(...samples.map((s) => s.jobsReady))}; webhooks: ${result.eventsReceived} distinct events received of ${result.eventsRecorded} recorded.`,
    '',
    table(
      [
        's',
        'requests',
        'errors',
        'refused',
        'slowest call ms',
        'RSS MB',
        'heap MB',
        'loop p99 ms',
        'loop max ms',
        'jobs ready',
        'deliveries',
      ],
      rows,
    ),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const engines = benchEngines(ADMIN_URL, ONLY);
  const postgres = ADMIN_URL && engines.includes('PostgreSQL') ? await serverVersion(ADMIN_URL) : '';
  const heading = [
    `Machine: ${machine()}${postgres ? `; PostgreSQL ${postgres}` : ''}`,
    `Load: ${READERS} readers (cursor pages of 100, accounts, sync feed; ${READ_PAUSE_MS} ms between calls), a refresh every ${REFRESH_EVERY_SECONDS} s over ${CONNECTIONS} user_good connections, a ${IMPORT_ROWS}-movement CSV import every ${IMPORT_EVERY_SECONDS} s, every event to a receiver answering after ${RECEIVER_DELAY_MS} ms; sampled every ${SAMPLE_SECONDS} s.`,
    '',
  ].join('\n');
  process.stdout.write(`${heading}\n`);
  const sections: string[] = [];
  for (const engine of engines) sections.push(report(engine, await soak(engine)));
  const text = `${heading}\n${sections.join('\n')}`;
  process.stdout.write(`\n${text}`);
  if (OUT) fs.writeFileSync(OUT, text);
}

await main();
