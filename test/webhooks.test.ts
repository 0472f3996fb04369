// Webhooks as a client uses them: endpoints and their secrets, every event type arriving at a real
// receiver and verifying with the independent `standardwebhooks` package, the retry schedule on a
// simulated clock (no sleeping through days), 410 and five-day disabling, secret rotation, the
// delivery log, resend, isolation, and the SSRF guard refusing before any connection is made.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { purgeExpired } from '../src/jobs/purge-expired.ts';
import { checkWebhookUrl, refusedAddressReason } from '../src/webhooks/address-guard.ts';
import { type DispatcherDeps, deliverDue } from '../src/webhooks/dispatcher.ts';
import { postWebhook } from '../src/webhooks/post.ts';
import { RETRY_DELAYS_MS } from '../src/webhooks/schedule.ts';
import { connect, createConnection, good, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';

// biome-ignore lint/suspicious/noExplicitAny: API JSON, checked by the assertions
type Json = Record<string, any>;

async function call(ctx: TestContext, token: string, method: string, url: string, payload?: unknown) {
  const response = await ctx.call(token, {
    method: method as 'GET',
    url,
    ...(payload !== undefined ? { payload: payload as Json } : {}),
  });
  return { status: response.statusCode, body: (response.body ? response.json() : null) as Json };
}

async function register(ctx: TestContext, token: string, body: Json) {
  const { status, body: endpoint } = await call(ctx, token, 'POST', '/v1/webhook-endpoints', body);
  assert.equal(status, 201, JSON.stringify(endpoint));
  return endpoint as { id: string; secret: string; url: string };
}

describe('with the background dispatcher', () => {
  let ctx: TestContext;
  let token: string;
  let receiver: Receiver;
  before(async () => {
    ctx = await buildTestContext();
    token = await ctx.tokenFor(await ctx.createClient());
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.close();
    await ctx.close();
  });

  test('endpoints: the secret is shown once; list, get, patch, delete; bad input is a 400 that changes nothing', async () => {
    const endpoint = await register(ctx, token, {
      url: receiver.url,
      events: ['connection.deleted'],
      description: 'crud',
    });
    assert.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.match(endpoint.id, /^whe_/);
    const got = await call(ctx, token, 'GET', `/v1/webhook-endpoints/${endpoint.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.secret, undefined);
    assert.deepEqual(got.body.events, ['connection.deleted']);
    const patched = await call(ctx, token, 'PATCH', `/v1/webhook-endpoints/${endpoint.id}`, {
      events: null,
      description: 'all events',
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.events, null);
    assert.equal(patched.body.description, 'all events');

    const before = (await call(ctx, token, 'GET', '/v1/webhook-endpoints')).body.data.length;
    for (const [body, pointer] of [
      [{ url: 'ftp://example.com/x' }, '/body/url'],
      [{ url: 'not a url' }, '/body/url'],
      [{ url: receiver.url, events: ['connection.exploded'] }, '/body/events/0'],
      [{ url: receiver.url, colour: 'red' }, '/body/colour'],
    ] as const) {
      const bad = await call(ctx, token, 'POST', '/v1/webhook-endpoints', body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.body.code, 'VALIDATION_FAILED');
      assert.ok(
        bad.body.errors.some((e: { pointer: string }) => e.pointer === pointer),
        JSON.stringify(bad.body.errors),
      );
    }
    // An empty JSON body is no body: the schema names what is missing.
    const empty = await ctx.call(token, {
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json().code, 'VALIDATION_FAILED');
    const badPatch = await call(ctx, token, 'PATCH', `/v1/webhook-endpoints/${endpoint.id}`, {
      url: 'ftp://x',
    });
    assert.equal(badPatch.status, 400);
    assert.equal(
      (await call(ctx, token, 'GET', `/v1/webhook-endpoints/${endpoint.id}`)).body.url,
      receiver.url,
    );
    assert.equal((await call(ctx, token, 'GET', '/v1/webhook-endpoints')).body.data.length, before);

    assert.equal((await call(ctx, token, 'DELETE', `/v1/webhook-endpoints/${endpoint.id}`)).status, 204);
    assert.equal((await call(ctx, token, 'GET', `/v1/webhook-endpoints/${endpoint.id}`)).status, 404);
  });

  test('every event type arrives, signed, and verifies with standardwebhooks', async () => {
    const endpoint = await register(ctx, token, { url: receiver.url });
    const start = receiver.received.length;

    // A first load: pending → ok, then the historical webhook with per-product counts.
    const bank = await connect(ctx, token, { ...good('user_good'), external_id: 'end-user-7' });
    // A later refresh that changes data: connection.updated with counts and a sync cursor.
    const dynamic = await connect(ctx, token, good('user_dynamic'));
    const refresh = await call(ctx, token, 'POST', `/v1/connections/${dynamic.id}/refresh`);
    assert.equal(refresh.status, 202);
    const refreshed = await waitForConnection(ctx, token, dynamic.id);
    // A failing one: status_changed to locked and refresh.failed.
    const locked = await createConnection(ctx, token, good('user_locked'));
    await waitForConnection(ctx, token, locked.id, (c) => c.status === 'locked');
    // Deletion.
    assert.equal((await call(ctx, token, 'DELETE', `/v1/connections/${bank.id}`)).status, 204);
    // A test event.
    const testEvent = await call(ctx, token, 'POST', `/v1/webhook-endpoints/${endpoint.id}/test`);
    assert.equal(testEvent.status, 202);
    // A second endpoint that answers 410 is disabled, which is itself an event.
    const gone = await startReceiver();
    gone.respond(() => ({ status: 410 }));
    const goneEndpoint = await register(ctx, token, { url: gone.url, events: ['webhook.test'] });
    await call(ctx, token, 'POST', `/v1/webhook-endpoints/${goneEndpoint.id}/test`);
    await gone.waitFor(1);
    await gone.close();

    const expected = new Set([
      'connection.status_changed',
      'connection.historical_update',
      'connection.updated',
      'refresh.failed',
      'connection.deleted',
      'webhook.test',
      'webhook_endpoint.disabled',
    ]);
    const deadline = Date.now() + 20_000;
    let events: Array<{ id: string; type: string; data: Json }> = [];
    while (Date.now() < deadline) {
      events = receiver.received.slice(start).map((r) => receiver.verify(r, endpoint.secret) as never);
      if ([...expected].every((type) => events.some((e) => e.type === type))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(new Set(events.map((e) => e.type)), expected);

    const of = (type: string, connectionId?: string) =>
      events.filter((e) => e.type === type && (!connectionId || e.data.connection_id === connectionId));
    const historical = of('connection.historical_update', bank.id);
    assert.equal(historical.length, 1);
    assert.equal(historical[0]!.data.external_id, 'end-user-7');
    assert.equal(historical[0]!.data.products.transactions.count, bank.product_status.transactions!.count);
    assert.deepEqual(
      of('connection.status_changed', bank.id).map((e) => [e.data.previous_status, e.data.status]),
      [['pending', 'ok']],
    );
    const updated = of('connection.updated', dynamic.id);
    assert.equal(updated.length, 1);
    assert.ok(updated[0]!.data.added > 0);
    // The cursor in the event returns exactly that refresh's transaction changes.
    const sync = await call(
      ctx,
      token,
      'GET',
      `/v1/transactions/sync?connection_id=${dynamic.id}&count=500&cursor=${updated[0]!.data.sync_cursor}`,
    );
    assert.equal(sync.status, 200);
    assert.ok(sync.body.added.length > 0);
    assert.equal(
      sync.body.added.length - sync.body.removed.length,
      refreshed.product_status.transactions!.count! - dynamic.product_status.transactions!.count!,
    );
    assert.equal(of('refresh.failed', locked.id)[0]!.data.error_code, 'locked');
    assert.deepEqual(of('connection.deleted')[0]!.data, {
      connection_id: bank.id,
      external_id: 'end-user-7',
      institution_id: 'ins_sandbox_bank',
    });
    assert.equal(of('webhook_endpoint.disabled')[0]!.data.endpoint_id, goneEndpoint.id);
    assert.match(of('webhook_endpoint.disabled')[0]!.data.reason, /410/);

    // Thin payloads: no credentials anywhere.
    for (const request of receiver.received) assert.ok(!request.body.includes('pass_good'));
    // Each event is also in the event log, exactly as delivered.
    const logged = await call(ctx, token, 'GET', `/v1/events/${events[0]!.id}`);
    assert.deepEqual(logged.body, JSON.parse(receiver.received[start]!.body));
    // The disabled endpoint refuses tests; enabling it again works.
    const refused = await call(ctx, token, 'POST', `/v1/webhook-endpoints/${goneEndpoint.id}/test`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'WEBHOOK_ENDPOINT_DISABLED');
    const enabled = await call(ctx, token, 'PATCH', `/v1/webhook-endpoints/${goneEndpoint.id}`, {
      enabled: true,
    });
    assert.equal(enabled.body.enabled, true);
    assert.equal(enabled.body.disabled_reason, null);
  });

  test('resend delivers the same event again, with the same webhook-id', async () => {
    const endpoint = await register(ctx, token, { url: receiver.url, events: ['webhook.test'] });
    const count = receiver.received.length;
    const event = (await call(ctx, token, 'POST', `/v1/webhook-endpoints/${endpoint.id}/test`)).body;
    await receiver.waitFor(count + 1);
    const resent = await call(ctx, token, 'POST', `/v1/events/${event.id}/resend`, {
      endpoint_id: endpoint.id,
    });
    assert.equal(resent.status, 202);
    assert.deepEqual(resent.body.endpoint_ids, [endpoint.id]);
    await receiver.waitFor(count + 2);
    const copies = receiver.received.filter((r) => r.headers['webhook-id'] === event.id);
    assert.equal(copies.length, 2);
    assert.equal(copies[0]!.body, copies[1]!.body);
    // Each send is its own delivery in the log.
    const deliveries = (await call(ctx, token, 'GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`)).body
      .data;
    assert.equal(deliveries.length, 2);
    const listed = await call(ctx, token, 'GET', `/v1/events?type=webhook.test&page_size=1`);
    assert.equal(listed.body.data.length, 1);
    assert.ok(listed.body.has_more);
  });

  test("another client's token reaches none of it", async () => {
    const endpoint = await register(ctx, token, { url: receiver.url, events: ['webhook.test'] });
    const event = (await call(ctx, token, 'POST', `/v1/webhook-endpoints/${endpoint.id}/test`)).body;
    const other = await ctx.tokenFor(await ctx.createClient());
    for (const [method, url, body] of [
      ['GET', `/v1/webhook-endpoints/${endpoint.id}`],
      ['PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { description: 'mine' }],
      ['DELETE', `/v1/webhook-endpoints/${endpoint.id}`],
      ['POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`],
      ['POST', `/v1/webhook-endpoints/${endpoint.id}/test`],
      ['GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`],
      ['GET', `/v1/events/${event.id}`],
      ['POST', `/v1/events/${event.id}/resend`, {}],
    ] as const) {
      assert.equal((await call(ctx, other, method, url, body)).status, 404, `${method} ${url}`);
    }
    assert.deepEqual((await call(ctx, other, 'GET', '/v1/webhook-endpoints')).body.data, []);
    assert.deepEqual((await call(ctx, other, 'GET', '/v1/events')).body.data, []);
    assert.equal(
      (await call(ctx, token, 'GET', `/v1/webhook-endpoints/${endpoint.id}`)).body.description,
      null,
    );
  });
});

describe('on a simulated clock', () => {
  let ctx: TestContext;
  let token: string;
  let receiver: Receiver;
  let clock: Date;
  let deps: DispatcherDeps;
  before(async () => {
    ctx = await buildTestContext({ webhooks: false });
    token = await ctx.tokenFor(await ctx.createClient());
    receiver = await startReceiver();
    deps = {
      db: ctx.database.db,
      keyring: ctx.keyring,
      logger: ctx.engine.logger,
      now: () => clock,
      policy: { allowPrivate: true },
      random: () => 0.5, // no jitter: exact schedule
    };
  });
  after(async () => {
    await receiver.close();
    await ctx.close();
  });

  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  const fire = async (endpointId: string) =>
    (await call(ctx, token, 'POST', `/v1/webhook-endpoints/${endpointId}/test`)).body as { id: string };
  const deliveriesOf = async (endpointId: string) =>
    (await call(ctx, token, 'GET', `/v1/webhook-endpoints/${endpointId}/deliveries`)).body.data as Json[];

  test('retries on the Standard Webhooks schedule; the receiver, deduping on webhook-id, gets it once', async () => {
    clock = new Date(Date.now() + 1000);
    const endpoint = await register(ctx, token, { url: receiver.url, events: ['webhook.test'] });
    const failures = 4;
    let seen = 0;
    receiver.respond(() => (++seen <= failures ? { status: 500, body: 'x'.repeat(5000) } : { status: 204 }));
    const event = await fire(endpoint.id);
    const start = clock.getTime();
    assert.equal(await deliverDue(deps), 1);
    let elapsed = 0;
    for (let attempt = 1; attempt <= failures; attempt++) {
      const [delivery] = await deliveriesOf(endpoint.id);
      assert.equal(delivery!.status, 'pending');
      const delay = RETRY_DELAYS_MS[attempt - 1]!;
      elapsed += delay;
      assert.equal(
        Date.parse(delivery!.next_attempt_at),
        clock.getTime() + delay,
        `after attempt ${attempt}`,
      );
      advance(delay - 1000);
      assert.equal(await deliverDue(deps), 0, 'nothing goes out before its time');
      advance(1000);
      assert.equal(await deliverDue(deps), 1);
    }
    assert.equal(clock.getTime() - start, elapsed);
    const [delivery] = await deliveriesOf(endpoint.id);
    assert.equal(delivery!.status, 'succeeded');
    assert.equal(delivery!.next_attempt_at, null);
    assert.deepEqual(
      delivery!.attempts.map((a: Json) => a.status_code),
      [500, 500, 500, 500, 204],
    );
    assert.equal(delivery!.attempts[0].response_body.length, 1024);
    assert.ok(delivery!.attempts.every((a: Json) => Number.isInteger(a.latency_ms)));

    // The application behind the receiver dedupes on webhook-id: exactly one event.
    const unique = new Map(
      receiver.received.map((r) => [r.headers['webhook-id'], receiver.verify(r, endpoint.secret)]),
    );
    assert.equal(receiver.received.length, failures + 1);
    assert.deepEqual([...unique.keys()], [event.id]);
  });

  test('Retry-After on a 429 or 503 pushes the retry later; a 410 disables at once', async () => {
    clock = new Date(Date.now() + 1000);
    const endpoint = await register(ctx, token, { url: receiver.url, events: ['webhook.test'] });
    receiver.respond(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    await fire(endpoint.id);
    await deliverDue(deps);
    assert.equal(
      Date.parse((await deliveriesOf(endpoint.id))[0]!.next_attempt_at),
      clock.getTime() + 3600_000,
    );

    receiver.respond(() => ({ status: 410 }));
    advance(3600_000);
    await deliverDue(deps);
    const got = (await call(ctx, token, 'GET', `/v1/webhook-endpoints/${endpoint.id}`)).body;
    assert.equal(got.enabled, false);
    assert.match(got.disabled_reason, /410/);
    assert.equal((await deliveriesOf(endpoint.id))[0]!.status, 'failed');
  });

  test('a delivery that fails every attempt ends failed after ten; an endpoint failing for 5 days is disabled', async () => {
    clock = new Date(Date.now() + 1000);
    const endpoint = await register(ctx, token, { url: receiver.url, events: ['webhook.test'] });
    const watcher = await startReceiver();
    const watching = await register(ctx, token, { url: watcher.url, events: ['webhook_endpoint.disabled'] });
    receiver.respond(() => ({ status: 500 }));
    const first = clock.getTime();
    await fire(endpoint.id);
    await deliverDue(deps);
    for (const delay of RETRY_DELAYS_MS) {
      advance(delay);
      assert.equal(await deliverDue(deps), 1);
    }
    const [delivery] = await deliveriesOf(endpoint.id);
    assert.equal(delivery!.status, 'failed');
    assert.equal(delivery!.attempt_count, 10);
    assert.equal((await call(ctx, token, 'GET', `/v1/webhook-endpoints/${endpoint.id}`)).body.enabled, true);

    // Five days after the first failure, the next failure disables the endpoint.
    clock = new Date(first + 5 * 86_400_000 + 1000);
    await fire(endpoint.id);
    await deliverDue(deps);
    const got = (await call(ctx, token, 'GET', `/v1/webhook-endpoints/${endpoint.id}`)).body;
    assert.equal(got.enabled, false);
    assert.match(got.disabled_reason, /5 days/);
    await deliverDue(deps);
    assert.equal(watcher.received.length, 1);
    const disabled = watcher.verify(watcher.received[0]!, watching.secret);
    assert.equal(disabled.type, 'webhook_endpoint.disabled');
    assert.equal(disabled.data.endpoint_id, endpoint.id);
    await watcher.close();
  });

  test('events are kept 30 days, then purged with their deliveries', async () => {
    receiver.respond(() => ({ status: 200 }));
    const endpoint = await register(ctx, token, { url: receiver.url, events: ['webhook.test'] });
    const event = await fire(endpoint.id);
    const day = 86_400_000;
    await purgeExpired(ctx.database.db, new Date(Date.now() + 29 * day));
    assert.equal((await call(ctx, token, 'GET', `/v1/events/${event.id}`)).status, 200);
    const purged = await purgeExpired(ctx.database.db, new Date(Date.now() + 31 * day));
    assert.ok(purged.events >= 1);
    assert.equal((await call(ctx, token, 'GET', `/v1/events/${event.id}`)).status, 404);
    assert.deepEqual(await deliveriesOf(endpoint.id), []);
  });

  test('after a rotation both secrets sign for 24 hours, then only the new one', async () => {
    clock = new Date(Date.now() + 1000);
    receiver.respond(() => ({ status: 200 }));
    const endpoint = await register(ctx, token, { url: receiver.url, events: ['webhook.test'] });
    const rotated = (await call(ctx, token, 'POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`))
      .body;
    assert.notEqual(rotated.secret, endpoint.secret);
    assert.ok(Date.parse(rotated.previous_secret_expires_at) > Date.now() + 23 * 3600_000);
    const count = receiver.received.length;
    await fire(endpoint.id);
    await deliverDue(deps);
    const during = receiver.received[count]!;
    assert.equal(during.headers['webhook-signature']!.split(' ').length, 2);
    receiver.verify(during, endpoint.secret);
    receiver.verify(during, rotated.secret);

    advance(24 * 3600_000 + 1000);
    await fire(endpoint.id);
    await deliverDue(deps);
    const later = receiver.received[count + 1]!;
    receiver.verify(later, rotated.secret);
    assert.throws(() => receiver.verify(later, endpoint.secret));
  });
});

describe('the SSRF guard', () => {
  test('only public unicast addresses pass; development mode adds loopback', () => {
    const production = { allowPrivate: false };
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
      '224.0.0.1',
      '255.255.255.255',
    ])
      assert.ok(refusedAddressReason(address, production), `${address} refused`);
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111'])
      assert.equal(refusedAddressReason(address, production), null, `${address} allowed`);
    assert.equal(refusedAddressReason('127.0.0.1', { allowPrivate: true }), null);
    assert.ok(refusedAddressReason('10.0.0.1', { allowPrivate: true }));
    assert.ok(refusedAddressReason('169.254.169.254', { allowPrivate: true }));
  });

  test('registration: https only in production, no literal private address, no credentials in the URL', () => {
    const production = { allowPrivate: false };
    assert.match(checkWebhookUrl('http://example.com/hook', production)!, /https/);
    assert.match(checkWebhookUrl('https://169.254.169.254/latest', production)!, /refused/);
    assert.match(checkWebhookUrl('https://[::ffff:10.0.0.1]/x', production)!, /refused/);
    assert.match(checkWebhookUrl('https://user:pw@example.com/x', production)!, /credentials/);
    assert.equal(checkWebhookUrl('https://example.com/hook', production), null);
    assert.equal(checkWebhookUrl('http://127.0.0.1:9000/hook', { allowPrivate: true }), null);
  });

  test('at connect time a name resolving to loopback is refused before any traffic leaves', async () => {
    const receiver = await startReceiver();
    try {
      const production = { allowPrivate: false };
      for (const url of [
        `https://localhost:${receiver.port}/hooks`,
        `https://127.0.0.1:${receiver.port}/hooks`,
        `https://[::ffff:127.0.0.1]:${receiver.port}/hooks`,
      ]) {
        const outcome = await postWebhook(url, {}, '{}', production);
        assert.equal(outcome.statusCode, null, url);
        assert.match(outcome.error!, /refused before connecting/, url);
      }
      // Development mode reaches the same receiver by name.
      const allowed = await postWebhook(`http://localhost:${receiver.port}/hooks`, {}, '{}', {
        allowPrivate: true,
      });
      assert.equal(allowed.statusCode, 200);
      assert.equal(receiver.received.length, 1);
    } finally {
      await receiver.close();
    }
  });

  test('an endpoint registered in development mode but refused later records the refusal as an attempt', async () => {
    const ctx = await buildTestContext({ webhooks: false });
    try {
      const token = await ctx.tokenFor(await ctx.createClient());
      const receiver = await startReceiver();
      const endpoint = await register(ctx, token, {
        url: `http://localhost:${receiver.port}/hooks`,
        events: ['webhook.test'],
      });
      await call(ctx, token, 'POST', `/v1/webhook-endpoints/${endpoint.id}/test`);
      await deliverDue({
        db: ctx.database.db,
        keyring: ctx.keyring,
        logger: ctx.engine.logger,
        now: () => new Date(Date.now() + 1000),
        policy: { allowPrivate: false },
      });
      const [delivery] = (await call(ctx, token, 'GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`))
        .body.data as Json[];
      assert.equal(delivery!.status, 'pending');
      assert.match(delivery!.attempts[0].error, /refused before connecting/);
      assert.equal(receiver.received.length, 0);
      await receiver.close();
    } finally {
      await ctx.close();
    }
  });
});
