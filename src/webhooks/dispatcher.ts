// Sends due webhook deliveries. A delivery is claimed with a lease (locked_until), attempted, and
// its outcome recorded with the next attempt on the retry schedule; a crash mid-attempt leaves the
// lease to expire and the delivery is attempted again (at least once; receivers dedupe on
// `webhook-id`, the event id). The dispatcher runs in every process that runs workers, wakes on the
// NOTIFY recordEvent sends at commit, and otherwise sleeps until the next pending delivery is due
// (a retry, a lease left by a dispatcher that died), looking at least once a minute.
// The body is made at each attempt: the native event, or the endpoint's payload format rendered
// from the data as it is then (formats.ts), signed over the exact bytes sent.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import type { EventType } from '../domain/events.ts';
import type { Logger } from '../logger.ts';
import { countWebhookAttempt, type WebhookOutcome } from '../observability/metrics.ts';
import { type MasterKeyring, open } from '../security/envelope.ts';
import type { Db } from '../store/connections.ts';
import type { Database } from '../store/database.ts';
import { recordEvent, WEBHOOK_CHANNEL } from '../store/events.ts';
import type { DeliveryAttempt, Schema } from '../store/schema.ts';
import type { AddressPolicy } from './address-guard.ts';
import { NATIVE_FORMAT, type WebhookFormats } from './formats.ts';
import { type AttemptOutcome, DELIVERY_TIMEOUT_MS, postWebhook } from './post.ts';
import { DISABLE_AFTER_MS, nextAttemptDelayMs, parseRetryAfter } from './schedule.ts';
import { webhookHeaders } from './signing.ts';

export interface DispatcherDeps {
  db: Kysely<Schema>;
  keyring: MasterKeyring;
  logger: Logger;
  /** The scheduling clock (tests move it days ahead); signatures always carry the wall-clock time. */
  now(): Date;
  policy: AddressPolicy;
  /** The non-native payload formats this process renders (ServiceDeps.webhookFormats); default none. */
  formats?: WebhookFormats;
  /** The institutions, for formats that name them. */
  registry?: ConnectorRegistry;
  random?: () => number;
  timeoutMs?: number;
}

const LEASE_MS = DELIVERY_TIMEOUT_MS * 2;
const BATCH = 16;
const KEPT_ATTEMPTS = 50;

export const webhookSecretContext = (endpointId: string) => `webhook_endpoints:${endpointId}:secret`;

/**
 * Claims up to `limit` due deliveries for this dispatcher; returns their ids and the lease, which
 * the outcome is recorded against (a dispatcher whose lease ran out does not overwrite another's).
 */
async function claimDue(
  db: Kysely<Schema>,
  now: Date,
  limit: number,
): Promise<{ ids: string[]; lease: Date }> {
  const lease = new Date(now.getTime() + LEASE_MS);
  const result = await sql<{ id: string }>`
    update webhook_deliveries set locked_until = ${lease}
    where id in (
      select id from webhook_deliveries
      where status = 'pending' and next_attempt_at <= ${now}
        and (locked_until is null or locked_until <= ${now})
      order by next_attempt_at
      limit ${limit}
      for update skip locked)
    returning id`.execute(db);
  return { ids: result.rows.map((row) => row.id), lease };
}

/** The body a receiver gets: the event, as GET /v1/events/{id} shows it. */
export function eventBody(event: { id: string; type: string; created_at: Date; data: unknown }): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    created_at: event.created_at.toISOString(),
    data: event.data,
  });
}

/** The secrets that sign now: the current one, and the previous one during its grace period. */
export function signingSecrets(
  keyring: MasterKeyring,
  endpoint: {
    id: string;
    secret_sealed: string;
    previous_secret_sealed: string | null;
    previous_secret_expires_at: Date | null;
  },
  now: Date,
): string[] {
  const context = webhookSecretContext(endpoint.id);
  const secrets = [open(keyring, endpoint.secret_sealed, context)];
  if (
    endpoint.previous_secret_sealed &&
    endpoint.previous_secret_expires_at &&
    endpoint.previous_secret_expires_at > now
  )
    secrets.push(open(keyring, endpoint.previous_secret_sealed, context));
  return secrets;
}

/** Disables an endpoint, fails its pending deliveries and records webhook_endpoint.disabled. */
export async function disableEndpoint(
  db: Db,
  endpoint: { id: string; client_id: string; url: string },
  reason: string,
): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({ enabled: false, disabled_reason: reason, updated_at: new Date() })
    .where('id', '=', endpoint.id)
    .execute();
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'failed', next_attempt_at: null, locked_until: null, updated_at: new Date() })
    .where('endpoint_id', '=', endpoint.id)
    .where('status', '=', 'pending')
    .execute();
  await recordEvent(db, {
    clientId: endpoint.client_id,
    type: 'webhook_endpoint.disabled',
    data: { endpoint_id: endpoint.id, url: endpoint.url, reason },
  });
}

/** Attempts one claimed delivery and records what happened. */
async function attempt(deps: DispatcherDeps, deliveryId: string, lease: Date): Promise<void> {
  const { db } = deps;
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .innerJoin('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
    .select([
      'd.id',
      'd.attempt_count',
      'd.attempts',
      'e.id as event_id',
      'e.client_id as event_client_id',
      'e.type',
      'e.data',
      'e.created_at',
      'w.id as endpoint_id',
      'w.client_id',
      'w.url',
      'w.format',
      'w.enabled',
      'w.secret_sealed',
      'w.previous_secret_sealed',
      'w.previous_secret_expires_at',
      'w.failing_since',
    ])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
  if (!row) return;
  const now = deps.now();
  if (!row.enabled) {
    await db
      .updateTable('webhook_deliveries')
      .set({ status: 'failed', next_attempt_at: null, locked_until: null, updated_at: now })
      .where('id', '=', row.id)
      .execute();
    return;
  }
  const started = performance.now();
  const made = await bodyOf(deps, row);
  if ('unsent' in made) {
    const outcome: AttemptOutcome = {
      statusCode: null,
      latencyMs: Math.round(performance.now() - started),
      responseBody: null,
      retryAfter: undefined,
      error: made.unsent,
    };
    await record(deps, row, lease, now, outcome, { final: made.final });
    return;
  }
  const { body } = made;
  const secrets = signingSecrets(deps.keyring, { ...row, id: row.endpoint_id }, now);
  const headers = webhookHeaders(secrets, row.event_id, Math.floor(Date.now() / 1000), body);
  const outcome = await postWebhook(row.url, headers, body, deps.policy, deps.timeoutMs);
  await record(deps, row, lease, now, outcome);
}

/**
 * The body of this attempt, or why there is none: `final` when no later attempt could have one
 * (the format renders nothing for the event any more), else it is retried on the schedule (the
 * format may be served again after a restart, a failed render may succeed).
 */
async function bodyOf(
  deps: DispatcherDeps,
  row: {
    id: string;
    event_id: string;
    event_client_id: string;
    type: string;
    data: Record<string, unknown>;
    created_at: Date;
    format: string;
  },
): Promise<{ body: string } | { unsent: string; final: boolean }> {
  const event = { id: row.event_id, type: row.type, created_at: row.created_at, data: row.data };
  // A test event checks the endpoint's URL and secret: the native body, whatever the format.
  if (row.format === NATIVE_FORMAT || row.type === 'webhook.test') return { body: eventBody(event) };
  const format = deps.formats?.get(row.format);
  if (!format)
    return {
      unsent: `format ${row.format} is not served by this server (TESORO_COMPAT)`,
      final: false,
    };
  // Queueing sends an endpoint only the types its format renders; this is a format that stopped
  // rendering one since the delivery was queued.
  if (!format.events.includes(row.type as EventType))
    return { unsent: `format ${format.name} does not render ${row.type} events`, final: true };
  let body: string | null;
  try {
    const rendered = await format.render(
      { ...event, type: row.type as EventType, client_id: row.event_client_id },
      { db: deps.db, keyring: deps.keyring, now: deps.now, registry: deps.registry },
    );
    // Serialising is part of rendering: a body that cannot be JSON (a BigInt) fails the same way.
    body = rendered === null || rendered === undefined ? null : JSON.stringify(rendered);
  } catch (error) {
    // The receiver sees the attempt failed; what went wrong stays in the server's log.
    deps.logger.error(
      { err: error, delivery: row.id, event: row.event_id, format: format.name },
      'webhook format could not render the event',
    );
    return {
      unsent: `format ${format.name} could not render the event (the error is in the server's log)`,
      final: false,
    };
  }
  if (body === null)
    return {
      unsent: `format ${format.name} has nothing left to send for this event (its data was deleted since)`,
      final: true,
    };
  return { body };
}

async function record(
  deps: DispatcherDeps,
  row: {
    id: string;
    attempt_count: number;
    attempts: DeliveryAttempt[];
    endpoint_id: string;
    client_id: string;
    url: string;
    failing_since: Date | null;
  },
  lease: Date,
  now: Date,
  outcome: AttemptOutcome,
  /**
   * The attempt never left this server (no body in the endpoint's format): the endpoint is not to
   * blame, so its failure streak (the 5-day disabling) is left as it is; `final`: no retry.
   */
  unsent?: { final: boolean },
): Promise<void> {
  const attemptNumber = row.attempt_count + 1;
  const entry: DeliveryAttempt = {
    at: now.toISOString(),
    status_code: outcome.statusCode,
    latency_ms: outcome.latencyMs,
    response_body: outcome.responseBody,
    error: outcome.error,
  };
  const attempts = JSON.stringify([...row.attempts, entry].slice(-KEPT_ATTEMPTS));
  const succeeded = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  const endpoint = { id: row.endpoint_id, client_id: row.client_id, url: row.url };
  let counted: WebhookOutcome | undefined;
  await deps.db.transaction().execute(async (trx) => {
    if (succeeded) {
      const updated = await trx
        .updateTable('webhook_deliveries')
        .set({
          status: 'succeeded',
          attempt_count: attemptNumber,
          attempts,
          next_attempt_at: null,
          locked_until: null,
          updated_at: now,
        })
        .where('id', '=', row.id)
        .where('locked_until', '=', lease)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n) return;
      counted = 'succeeded';
      await trx
        .updateTable('webhook_endpoints')
        .set({ failing_since: null })
        .where('id', '=', row.endpoint_id)
        .execute();
      return;
    }
    const retryAfter =
      outcome.statusCode === 429 || outcome.statusCode === 503
        ? parseRetryAfter(outcome.retryAfter, now)
        : null;
    const delay = unsent?.final
      ? null
      : nextAttemptDelayMs(attemptNumber, retryAfter, (deps.random ?? Math.random)());
    const updated = await trx
      .updateTable('webhook_deliveries')
      .set({
        status: delay === null ? 'failed' : 'pending',
        attempt_count: attemptNumber,
        attempts,
        next_attempt_at: delay === null ? null : new Date(now.getTime() + delay),
        locked_until: null,
        updated_at: now,
      })
      .where('id', '=', row.id)
      .where('locked_until', '=', lease)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return;
    counted = unsent ? 'unsent' : delay === null ? 'failed' : 'retrying';
    if (unsent) return;
    const failingSince = row.failing_since ?? now;
    if (outcome.statusCode === 410) {
      await disableEndpoint(trx, endpoint, 'the endpoint answered 410 Gone');
    } else if (now.getTime() - failingSince.getTime() >= DISABLE_AFTER_MS) {
      await disableEndpoint(trx, endpoint, 'every delivery attempt failed for 5 days');
    } else if (!row.failing_since) {
      await trx
        .updateTable('webhook_endpoints')
        .set({ failing_since: now })
        .where('id', '=', row.endpoint_id)
        .execute();
    }
  });
  // Counted once committed, and only by the dispatcher whose lease recorded it.
  if (counted) countWebhookAttempt(counted, unsent ? null : outcome.latencyMs);
}

/** Attempts every delivery due at `deps.now()`; returns how many were attempted. */
export async function deliverDue(deps: DispatcherDeps): Promise<number> {
  let total = 0;
  for (;;) {
    const { ids, lease } = await claimDue(deps.db, deps.now(), BATCH);
    if (ids.length === 0) return total;
    await Promise.all(
      ids.map((id) =>
        attempt(deps, id, lease).catch((error) =>
          deps.logger.error({ err: error, delivery: id }, 'webhook attempt failed'),
        ),
      ),
    );
    total += ids.length;
  }
}

/**
 * When the next pending delivery may be attempted: its next_attempt_at, or later while another
 * dispatcher holds its lease. Null when nothing is pending.
 */
export async function nextDueAt(db: Kysely<Schema>): Promise<Date | null> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select(sql<Date | string | null>`min(greatest(next_attempt_at, locked_until))`.as('due'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return row?.due ? new Date(row.due) : null;
}

/** The longest the dispatcher sleeps: a backstop for a NOTIFY lost while a connection was down. */
const IDLE_LOOK_MS = 60_000;
/** A delivery due now that no run could claim (another dispatcher is claiming it): look again then. */
const CONTENDED_LOOK_MS = 1000;
/** After an error (the database is unreachable): look again then. */
const ERROR_LOOK_MS = 5000;
/** A delivery is claimable once next_attempt_at <= now: wake a few ms late rather than early. */
const DUE_MARGIN_MS = 5;

/**
 * The long-running part: wakes on NOTIFY, and when the next pending delivery comes due, and runs
 * deliverDue one run at a time.
 */
export class WebhookDispatcher {
  readonly #deps: DispatcherDeps;
  readonly #database: Database;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(deps: DispatcherDeps, database: Database) {
    this.#deps = deps;
    this.#database = database;
  }

  async start(): Promise<void> {
    // One embedded database has one process: a lease left by a killed process can go at once.
    if (this.#database.engine === 'pglite')
      await this.#deps.db
        .updateTable('webhook_deliveries')
        .set({ locked_until: null })
        .where('locked_until', 'is not', null)
        .execute();
    this.#unlisten = await this.#database.listen(WEBHOOK_CHANNEL, () => this.wake());
    this.wake();
  }

  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = (async () => {
      let sleepMs = IDLE_LOOK_MS;
      do {
        this.#again = false;
        try {
          await deliverDue(this.#deps);
          const due = await nextDueAt(this.#deps.db);
          const inMs = due ? due.getTime() - this.#deps.now().getTime() : Number.POSITIVE_INFINITY;
          // deliverDue claims until nothing is due, so a delivery due already is being claimed elsewhere.
          sleepMs = inMs <= 0 ? CONTENDED_LOOK_MS : Math.min(inMs + DUE_MARGIN_MS, IDLE_LOOK_MS);
        } catch (error) {
          if (!this.#stopped) this.#deps.logger.error({ err: error }, 'webhook dispatch failed');
          sleepMs = ERROR_LOOK_MS;
        }
      } while (this.#again && !this.#stopped);
      if (this.#stopped) return;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.wake(), sleepMs);
      this.#timer.unref();
    })().finally(() => {
      this.#running = undefined;
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#again = false;
    await this.#running;
    await this.#unlisten?.();
  }
}
