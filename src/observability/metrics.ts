// The process's Prometheus metrics (prom-client), in one registry. The use cases count what they
// do here (refreshes, webhook attempts, imports); the HTTP layer times its routes; the job queue's
// depth and age are read from the database when a scrape asks (jobs/queue-metrics.ts), so any
// process answers them for the whole cluster. Labels are bounded sets (route patterns, connector
// ids, outcomes, formats): never a client, a connection or anything an end user typed.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
// CPU, memory, event-loop delay, garbage collection, open handles of this process.
collectDefaultMetrics({ register: registry, prefix: 'tesoro_' });

export const httpRequestDuration = new Histogram({
  name: 'tesoro_http_request_duration_seconds',
  help: 'HTTP requests by method, route pattern and status code, with their duration',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const refreshesTotal = new Counter({
  name: 'tesoro_refreshes_total',
  help: 'Refreshes ended, by connector and outcome (succeeded, or the status a failure left the connection in)',
  labelNames: ['connector', 'outcome'] as const,
  registers: [registry],
});

const refreshDuration = new Histogram({
  name: 'tesoro_refresh_duration_seconds',
  help: 'Time from a refresh starting to it ending, by connector and outcome',
  labelNames: ['connector', 'outcome'] as const,
  buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
  registers: [registry],
});

export function countRefresh(connector: string, outcome: string, seconds: number | null): void {
  refreshesTotal.inc({ connector, outcome });
  if (seconds !== null) refreshDuration.observe({ connector, outcome }, seconds);
}

const webhookAttempts = new Counter({
  name: 'tesoro_webhook_deliveries_total',
  help: 'Webhook delivery attempts by outcome: succeeded, retrying (failed, tried again later), failed (no retry left), unsent',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

const webhookLatency = new Histogram({
  name: 'tesoro_webhook_delivery_duration_seconds',
  help: "How long a webhook endpoint took to answer, by the attempt's outcome",
  labelNames: ['outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export type WebhookOutcome = 'succeeded' | 'retrying' | 'failed' | 'unsent';

export function countWebhookAttempt(outcome: WebhookOutcome, latencyMs: number | null): void {
  webhookAttempts.inc({ outcome });
  if (latencyMs !== null) webhookLatency.observe({ outcome }, latencyMs / 1000);
}

const importsTotal = new Counter({
  name: 'tesoro_imports_total',
  help: 'Statement imports ended, by mode (sync, queued), format and outcome (succeeded, refused, failed)',
  labelNames: ['mode', 'format', 'outcome'] as const,
  registers: [registry],
});

const importedTransactions = new Counter({
  name: 'tesoro_import_transactions_total',
  help: 'Transactions read from imported statement files, by format',
  labelNames: ['format'] as const,
  registers: [registry],
});

export function countImport(
  mode: 'sync' | 'queued',
  format: string | null,
  outcome: 'succeeded' | 'refused' | 'failed',
  transactions = 0,
): void {
  importsTotal.inc({ mode, format: format ?? 'unknown', outcome });
  if (transactions > 0) importedTransactions.inc({ format: format ?? 'unknown' }, transactions);
}

/** One queue's backlog, as the database holds it. */
export interface QueueDepth {
  queue: string;
  /** Jobs that could run now. */
  ready: number;
  /** Jobs waiting for their start time (a retry, a challenge poll, a scheduled refresh). */
  deferred: number;
  active: number;
  /** Seconds the oldest ready job has waited; 0 with none ready. */
  oldestReadySeconds: number;
}

let readQueues: (() => Promise<QueueDepth[]>) | undefined;

/** Where the queue gauges come from (set by the process that runs the queue). */
export function observeQueues(reader: (() => Promise<QueueDepth[]>) | undefined): void {
  readQueues = reader;
}

const queueGauges = {
  ready: new Gauge({
    name: 'tesoro_jobs_ready',
    help: 'Jobs that could run now, by queue',
    labelNames: ['queue'] as const,
    registers: [registry],
  }),
  deferred: new Gauge({
    name: 'tesoro_jobs_deferred',
    help: 'Jobs waiting for their start time, by queue',
    labelNames: ['queue'] as const,
    registers: [registry],
  }),
  active: new Gauge({
    name: 'tesoro_jobs_active',
    help: 'Jobs running, by queue',
    labelNames: ['queue'] as const,
    registers: [registry],
  }),
  oldestReadySeconds: new Gauge({
    name: 'tesoro_jobs_oldest_ready_age_seconds',
    help: 'How long the oldest job that could run has waited, by queue',
    labelNames: ['queue'] as const,
    registers: [registry],
  }),
};

const scrapeErrors = new Counter({
  name: 'tesoro_metrics_scrape_errors_total',
  help: 'Scrapes whose queue figures could not be read from the database',
  registers: [registry],
});

/** The Prometheus text of every metric, the queue figures read now. */
export async function renderMetrics(): Promise<string> {
  if (readQueues) {
    try {
      const depths = await readQueues();
      for (const gauge of Object.values(queueGauges)) gauge.reset();
      for (const depth of depths)
        for (const key of ['ready', 'deferred', 'active', 'oldestReadySeconds'] as const)
          queueGauges[key].set({ queue: depth.queue }, depth[key]);
    } catch {
      // A scrape still answers (process figures, counters); the failure is counted.
      scrapeErrors.inc();
    }
  }
  return registry.metrics();
}

export const metricsContentType = registry.contentType;

/**
 * Whether an Authorization header may read the metrics: any, without a token; else exactly
 * `Bearer <token>` (compared as digests, in constant time).
 */
export function metricsAccess(token: string | undefined): (authorization: string | undefined) => boolean {
  if (!token) return () => true;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const expected = digest(`Bearer ${token}`);
  return (authorization) => authorization !== undefined && timingSafeEqual(digest(authorization), expected);
}
