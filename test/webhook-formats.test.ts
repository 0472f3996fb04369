// Webhook payload formats as a client uses them: an endpoint registered with a format defined here
// (as a vendor facade defines its own) receives that format's body, rendered from the database when
// the attempt is sent and verified at a real receiver with the independent `standardwebhooks`
// package; it gets only the types its format renders, while a native endpoint gets every type;
// registration and PATCH refuse what there is no body for; and a format with nothing left to send,
// not served by this process, or failing to render, is recorded in the delivery log.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventType } from '../src/domain/events.ts';
import { type DispatcherDeps, deliverDue } from '../src/webhooks/dispatcher.ts';
import type { WebhookFormat } from '../src/webhooks/formats.ts';
import { RETRY_DELAYS_MS } from '../src/webhooks/schedule.ts';
import { connect, good } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

const ledgerEvents: readonly EventType[] = ['connection.historical_update', 'connection.updated'];

/** A vendor-like body: the connection and its accounts as they are in the database when sent. */
const ledger: WebhookFormat = {
  name: 'ledger',
  events: ledgerEvents,
  async render(event, { db }) {
    const connectionId = String(event.data.connection_id);
    const connection = await db
      .selectFrom('connections')
      .select(['id', 'status', 'refresh_interval'])
      .where('client_id', '=', event.client_id)
      .where('id', '=', connectionId)
      .executeTakeFirst();
    if (!connection) return null;
    const accounts = await db
      .selectFrom('accounts')
      .select('id')
      .where('client_id', '=', event.client_id)
      .where('connection_id', '=', connectionId)
      .where('removed_at', 'is', null)
      .orderBy('id')
      .execute();
    return {
      ResponseType: 'LedgerPush',
      EventType: event.type,
      Connection: { Id: connection.id, Status: connection.status, Interval: connection.refresh_interval },
      Accounts: accounts.map((account) => account.id),
    };
  },
};

/** Throws while `failing` is set, as a format whose query broke would. */
let failing = true;
const flaky: WebhookFormat = {
  name: 'flaky',
  events: ['connection.historical_update'],
  async render(event) {
    if (failing) throw new Error('relation "vendor_view" does not exist');
    return { ResponseType: 'Flaky', EventId: event.id };
  },
};

const formats = new Map([
  [ledger.name, ledger],
  [flaky.name, flaky],
]);

async function call(ctx: TestContext, token: string, method: string, url: string, payload?: unknown) {
  const response = await ctx.call(token, {
    method: method as 'GET',
    url,
    ...(payload !== undefined ? { payload: payload as Json } : {}),
  });
  return {
    status: response.statusCode,
    type: response.headers['content-type'],
    body: (response.body ? response.json() : null) as Json,
  };
}

async function register(ctx: TestContext, token: string, body: Json) {
  const { status, body: endpoint } = await call(ctx, token, 'POST', '/v1/webhook-endpoints', body);
  assert.equal(status, 201, JSON.stringify(endpoint));
  return endpoint as { id: string; secret: string; url: string; format: string; events: string[] | null };
}

const deliveriesOf = async (ctx: TestContext, token: string, endpointId: string) =>
  (await call(ctx, token, 'GET', `/v1/webhook-endpoints/${endpointId}/deliveries`)).body.data as Json[];

const endpointCount = async (ctx: TestContext, token: string) =>
  (await call(ctx, token, 'GET', '/v1/webhook-endpoints?page_size=100')).body.data.length as number;

describe('with the background dispatcher', () => {
  let ctx: TestContext;
  let token: string;
  let formatted: Receiver;
  let native: Receiver;
  before(async () => {
    ctx = await buildTestContext({ webhookFormats: formats });
    token = await ctx.tokenFor(await ctx.createClient());
    formatted = await startReceiver();
    native = await startReceiver();
  });
  after(async () => {
    await formatted.close();
    await native.close();
    await ctx.close();
  });

  test("an endpoint in a format gets the format's body, rendered from the database and signed; only its types", async () => {
    const endpoint = await register(ctx, token, { url: formatted.url, format: 'ledger' });
    assert.equal(endpoint.format, 'ledger');
    assert.deepEqual(endpoint.events, ledgerEvents, 'events default to what the format renders');
    const plain = await register(ctx, token, { url: native.url });
    assert.equal(plain.format, 'tesoro');
    assert.equal(plain.events, null);

    const bank = await connect(ctx, token, good('user_good'));
    await formatted.waitFor(1);
    const body = formatted.verify(formatted.received[0]!, endpoint.secret) as unknown as Json;
    const accounts = (await call(ctx, token, 'GET', `/v1/accounts?connection_id=${bank.id}`)).body.data;
    assert.ok(accounts.length > 0);
    assert.deepEqual(body, {
      ResponseType: 'LedgerPush',
      EventType: 'connection.historical_update',
      Connection: { Id: bank.id, Status: 'ok', Interval: '24h' },
      Accounts: accounts.map((account: Json) => account.id).sort(),
    });

    // The native endpoint gets the same event in the native body, with the same webhook-id.
    const deadline = Date.now() + 20_000;
    const types = () => native.received.map((r) => native.verify(r, plain.secret).type);
    while (
      !types().includes('connection.historical_update') ||
      !types().includes('connection.status_changed')
    ) {
      assert.ok(Date.now() < deadline, `native receiver got ${types().join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const historical = native.received
      .map((r) => ({ id: r.headers['webhook-id'], event: native.verify(r, plain.secret) }))
      .find((r) => r.event.type === 'connection.historical_update')!;
    assert.equal(historical.event.id, historical.id);
    assert.equal(formatted.received[0]!.headers['webhook-id'], historical.id);

    // connection.status_changed was recorded (and queued) with the other event; the format renders
    // no such body, so no delivery of it to that endpoint exists at all.
    const statusEvents = (await call(ctx, token, 'GET', '/v1/events?type=connection.status_changed')).body
      .data as Json[];
    assert.ok(statusEvents.some((event) => event.data.connection_id === bank.id));
    // The receiver has the body before the dispatcher records the answer: wait for the record.
    let deliveries = await deliveriesOf(ctx, token, endpoint.id);
    const recorded = Date.now() + 20_000;
    while (deliveries.some((d) => d.status === 'pending')) {
      assert.ok(Date.now() < recorded, 'the delivery outcome is recorded');
      await new Promise((resolve) => setTimeout(resolve, 50));
      deliveries = await deliveriesOf(ctx, token, endpoint.id);
    }
    assert.deepEqual(
      deliveries.map((d) => [d.event_type, d.status]),
      [['connection.historical_update', 'succeeded']],
    );
    assert.ok(deliveries.every((d) => !statusEvents.some((event) => event.id === d.event_id)));

    // A test event checks the URL and the secret: the native body, whatever the format.
    const testEvent = (await call(ctx, token, 'POST', `/v1/webhook-endpoints/${endpoint.id}/test`)).body;
    await formatted.waitFor(2);
    const tested = formatted.verify(formatted.received[1]!, endpoint.secret);
    assert.deepEqual(tested, testEvent);
    assert.equal(tested.type, 'webhook.test');

    // A resend asking this endpoint for a type its format has no body for is refused.
    const refused = await call(ctx, token, 'POST', `/v1/events/${statusEvents[0]!.id}/resend`, {
      endpoint_id: endpoint.id,
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      refused.body.errors.map((e: Json) => e.pointer),
      ['/body/endpoint_id'],
    );
  });

  test('an unknown format is refused naming the formats served, and nothing is created', async () => {
    const count = await endpointCount(ctx, token);
    const bad = await call(ctx, token, 'POST', '/v1/webhook-endpoints', {
      url: formatted.url,
      format: 'plaid',
    });
    assert.equal(bad.status, 400);
    assert.match(String(bad.type), /^application\/problem\+json/);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(bad.body.errors, [
      { pointer: '/body/format', detail: 'must be one of: tesoro, ledger, flaky' },
    ]);
    assert.match(bad.body.detail, /plaid/);
    assert.equal(await endpointCount(ctx, token), count);
  });

  test('events the format does not render are refused, each named, and nothing is created', async () => {
    const count = await endpointCount(ctx, token);
    const bad = await call(ctx, token, 'POST', '/v1/webhook-endpoints', {
      url: formatted.url,
      format: 'ledger',
      events: ['connection.updated', 'connection.deleted', 'refresh.failed'],
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      bad.body.errors.map((e: Json) => e.pointer),
      ['/body/events/1', '/body/events/2'],
    );
    assert.match(bad.body.errors[0].detail, /ledger/);
    assert.equal(await endpointCount(ctx, token), count);
    // A subset of what it renders is a choice the client may make.
    const some = await register(ctx, token, {
      url: formatted.url,
      format: 'ledger',
      events: ['connection.updated'],
    });
    assert.deepEqual(some.events, ['connection.updated']);
    await call(ctx, token, 'DELETE', `/v1/webhook-endpoints/${some.id}`);
  });

  test('PATCH changes the format; events follow it, and a bad change changes nothing', async () => {
    const endpoint = await register(ctx, token, { url: native.url, events: ['connection.deleted'] });
    const url = `/v1/webhook-endpoints/${endpoint.id}`;
    const toLedger = await call(ctx, token, 'PATCH', url, { format: 'ledger' });
    assert.equal(toLedger.status, 200, JSON.stringify(toLedger.body));
    assert.equal(toLedger.body.format, 'ledger');
    assert.deepEqual(toLedger.body.events, ledgerEvents, 'a new format brings its own default events');
    assert.deepEqual((await call(ctx, token, 'GET', url)).body, toLedger.body);

    for (const [body, pointer] of [
      [{ events: ['connection.deleted'] }, '/body/events/0'],
      [{ format: 'nope' }, '/body/format'],
      [{ format: 'ledger', events: ['webhook.test'] }, '/body/events/0'],
    ] as const) {
      const bad = await call(ctx, token, 'PATCH', url, body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.body.code, 'VALIDATION_FAILED');
      assert.deepEqual(
        bad.body.errors.map((e: Json) => e.pointer),
        [pointer],
      );
      assert.deepEqual((await call(ctx, token, 'GET', url)).body, toLedger.body, JSON.stringify(body));
    }

    const narrowed = await call(ctx, token, 'PATCH', url, { events: ['connection.updated'] });
    assert.deepEqual(narrowed.body.events, ['connection.updated']);
    const widened = await call(ctx, token, 'PATCH', url, { events: null });
    assert.deepEqual(widened.body.events, ledgerEvents, 'null is every type the format renders');
    const back = await call(ctx, token, 'PATCH', url, { format: 'tesoro' });
    assert.equal(back.body.format, 'tesoro');
    assert.equal(back.body.events, null, 'back to the native format: every type');
    await call(ctx, token, 'DELETE', url);
  });

  test("another client's credentials can neither see nor change an endpoint's format", async () => {
    const endpoint = await register(ctx, token, { url: formatted.url, format: 'ledger' });
    const other = await ctx.tokenFor(await ctx.createClient());
    const url = `/v1/webhook-endpoints/${endpoint.id}`;
    assert.equal((await call(ctx, other, 'GET', url)).status, 404);
    assert.equal((await call(ctx, other, 'PATCH', url, { format: 'tesoro' })).status, 404);
    assert.equal((await call(ctx, other, 'GET', '/v1/webhook-endpoints')).body.data.length, 0);
    const mine = (await call(ctx, token, 'GET', url)).body;
    assert.equal(mine.format, 'ledger');
    assert.deepEqual(mine.events, ledgerEvents);
    await call(ctx, token, 'DELETE', url);
  });
});

describe('on a simulated clock', () => {
  let ctx: TestContext;
  let receiver: Receiver;
  let clock: Date;
  let deps: DispatcherDeps;
  before(async () => {
    ctx = await buildTestContext({ webhooks: false, webhookFormats: formats });
    receiver = await startReceiver();
    deps = {
      db: ctx.database.db,
      keyring: ctx.keyring,
      logger: ctx.engine.logger,
      now: () => clock,
      policy: { allowPrivate: true },
      formats: ctx.engine.webhookFormats,
      random: () => 0.5, // no jitter: exact schedule
    };
  });
  after(async () => {
    await receiver.close();
    await ctx.close();
  });

  /** A client of its own, an endpoint in `format`, and a first load queued to it (not yet sent). */
  async function loaded(format: string) {
    const token = await ctx.tokenFor(await ctx.createClient());
    const endpoint = await register(ctx, token, { url: receiver.url, format });
    const bank = await connect(ctx, token, good('user_good'));
    // The deliveries were queued at the database's now: the simulated clock starts after it.
    clock = new Date(Date.now() + 1000);
    const [delivery] = await deliveriesOf(ctx, token, endpoint.id);
    assert.equal(delivery?.status, 'pending');
    assert.equal(delivery?.event_type, 'connection.historical_update');
    return { token, endpoint, bank, sent: receiver.received.length };
  }

  test('the body is rendered when the attempt is sent, from the data as it is then', async () => {
    const { token, endpoint, bank, sent } = await loaded('ledger');
    // Changed after the event was recorded, before it is sent.
    const patched = await call(ctx, token, 'PATCH', `/v1/connections/${bank.id}`, {
      refresh_interval: '12h',
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(await deliverDue(deps), 1);
    assert.equal(receiver.received.length, sent + 1);
    const body = receiver.verify(receiver.received[sent]!, endpoint.secret) as unknown as Json;
    assert.equal(body.ResponseType, 'LedgerPush');
    assert.deepEqual(body.Connection, { Id: bank.id, Status: 'ok', Interval: '12h' });
    const [delivery] = await deliveriesOf(ctx, token, endpoint.id);
    assert.equal(delivery!.status, 'succeeded');
  });

  test('nothing left to send (the connection was deleted since): failed at once with the reason, no retry', async () => {
    const { token, endpoint, bank, sent } = await loaded('ledger');
    assert.equal((await call(ctx, token, 'DELETE', `/v1/connections/${bank.id}`)).status, 204);
    await deliverDue(deps);
    const [delivery] = await deliveriesOf(ctx, token, endpoint.id);
    assert.equal(delivery!.status, 'failed');
    assert.equal(delivery!.next_attempt_at, null);
    assert.equal(delivery!.attempt_count, 1);
    assert.equal(delivery!.attempts[0].status_code, null);
    assert.match(delivery!.attempts[0].error, /format ledger has nothing left to send/);
    clock = new Date(clock.getTime() + RETRY_DELAYS_MS.reduce((a, b) => a + b, 0));
    await deliverDue(deps);
    assert.equal((await deliveriesOf(ctx, token, endpoint.id))[0]!.attempt_count, 1);
    assert.equal(receiver.received.length, sent);
    // Not the endpoint's fault: it stays enabled.
    assert.equal((await call(ctx, token, 'GET', `/v1/webhook-endpoints/${endpoint.id}`)).body.enabled, true);
  });

  test('a format this process does not serve: a failed attempt saying so, retried on the schedule', async () => {
    const { token, endpoint, sent } = await loaded('ledger');
    // The same database, read by a process whose TESORO_COMPAT leaves the format's facade out.
    const withoutLedger = { ...deps, formats: new Map() };
    await deliverDue(withoutLedger);
    const [delivery] = await deliveriesOf(ctx, token, endpoint.id);
    assert.equal(delivery!.status, 'pending');
    assert.equal(delivery!.attempts[0].error, 'format ledger is not served by this server (TESORO_COMPAT)');
    assert.equal(Date.parse(delivery!.next_attempt_at), clock.getTime() + RETRY_DELAYS_MS[0]!);
    assert.equal(receiver.received.length, sent);

    // Served again (the facade switched back on): the retry goes out in the format.
    clock = new Date(clock.getTime() + RETRY_DELAYS_MS[0]!);
    assert.equal(await deliverDue(deps), 1);
    const body = receiver.verify(receiver.received[sent]!, endpoint.secret) as unknown as Json;
    assert.equal(body.ResponseType, 'LedgerPush');
    const [retried] = await deliveriesOf(ctx, token, endpoint.id);
    assert.equal(retried!.status, 'succeeded');
    assert.equal(retried!.attempt_count, 2);
  });

  test('a render that throws is logged, the attempt failed without its details, and retried', async () => {
    failing = true;
    const { token, endpoint, sent } = await loaded('flaky');
    await deliverDue(deps);
    const [delivery] = await deliveriesOf(ctx, token, endpoint.id);
    assert.equal(delivery!.status, 'pending');
    assert.match(delivery!.attempts[0].error, /format flaky could not render the event/);
    assert.ok(!delivery!.attempts[0].error.includes('vendor_view'), 'the error itself stays in the log');
    const logged = ctx.logs.find((line) => line.msg === 'webhook format could not render the event');
    assert.equal(logged?.format, 'flaky');
    assert.equal(receiver.received.length, sent);

    failing = false;
    clock = new Date(clock.getTime() + RETRY_DELAYS_MS[0]!);
    assert.equal(await deliverDue(deps), 1);
    const body = receiver.verify(receiver.received[sent]!, endpoint.secret) as unknown as Json;
    assert.deepEqual(body, { ResponseType: 'Flaky', EventId: delivery!.event_id });
  });
});
