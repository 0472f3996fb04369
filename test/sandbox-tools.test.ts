// The sandbox tools an integrator tests their handling with: a sandbox connection forced into
// credentials_invalid / consent_expired fails as a real refresh does (the same webhooks, the same
// way back through new credentials), and fired webhooks arrive, signed, at a real receiver with
// the connection's own figures. Real connections, other clients' and bad input are refused and
// change nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createConnection, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked by the assertions
type Json = Record<string, any>;

describe('sandbox tools', () => {
  let ctx: TestContext;
  let token: string;
  let otherToken: string;
  let receiver: Receiver;
  let secret: string;

  before(async () => {
    receiver = await startReceiver();
    ctx = await buildTestContext();
    token = await ctx.tokenFor(await ctx.createClient());
    otherToken = await ctx.tokenFor(await ctx.createClient());
    const endpoint = await ctx.call(token, {
      method: 'POST',
      url: '/v1/webhook-endpoints',
      payload: { url: receiver.url },
    });
    assert.equal(endpoint.statusCode, 201, endpoint.body);
    secret = endpoint.json().secret;
  });
  after(async () => {
    await ctx.close();
    await receiver.close();
  });

  const post = (path: string, payload: unknown, as = token) =>
    ctx.call(as, { method: 'POST', url: path, payload: payload as Json });

  const connected = async (): Promise<Json> => {
    const created = await createConnection(ctx, token, {
      institution_id: 'ins_sandbox_bank',
      credentials: { username: 'user_good', password: 'pass_good' },
    });
    const done = await waitForConnection(ctx, token, created.id);
    assert.equal(done.status, 'ok');
    return done;
  };

  /** The events of `type` the receiver got for `connectionId`, verified with the endpoint's secret. */
  const receivedFor = async (connectionId: string, type: string, count: number) => {
    for (let i = 0; i < 600; i++) {
      const events = receiver.received
        .map((r) => receiver.verify(r, secret))
        .filter((e) => e.type === type && e.data.connection_id === connectionId);
      if (events.length >= count) return events;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no ${type} for ${connectionId}`);
  };

  for (const status of ['credentials_invalid', 'consent_expired'] as const) {
    test(`a connection forced into ${status} fails as a real refresh does, and new credentials bring it back`, async () => {
      const connection = await connected();
      const forced = await post(`/v1/sandbox/connections/${connection.id}/status`, { status });
      assert.equal(forced.statusCode, 200, forced.body);
      assert.equal(forced.json().status, status);
      assert.equal(forced.json().needs_user, true);
      const [failed] = await receivedFor(connection.id, 'refresh.failed', 1);
      assert.equal(failed!.data.status, status);
      assert.equal(failed!.data.retryable, false);
      // pending → ok when it was made, then ok → the forced status.
      const changes = await receivedFor(connection.id, 'connection.status_changed', 2);
      const changed = changes.find((e) => e.data.status === status);
      assert.equal(changed!.data.previous_status, 'ok');
      assert.equal(changed!.data.status, status);
      const refreshes = (await ctx.call(token, { url: `/v1/connections/${connection.id}/refreshes` })).json()
        .data;
      assert.equal(refreshes[0].trigger, 'sandbox');
      assert.equal(refreshes[0].status, 'failed');
      // The way back an integrator builds: the end user gives their credentials again.
      const back = await ctx.call(token, {
        method: 'PUT',
        url: `/v1/connections/${connection.id}/credentials`,
        payload: { credentials: { username: 'user_good', password: 'pass_good' } },
      });
      assert.equal(back.statusCode, 202, back.body);
      const restored = await waitForConnection(ctx, token, connection.id);
      assert.equal(restored.status, 'ok');
      assert.equal(restored.needs_user, false);
    });
  }

  test('fired webhooks arrive signed, with the connection’s own figures', async () => {
    const connection = await connected();
    for (const type of [
      'connection.historical_update',
      'connection.updated',
      'connection.consent_expiring',
    ]) {
      const fired = await post(`/v1/sandbox/connections/${connection.id}/webhooks`, { type });
      assert.equal(fired.statusCode, 202, fired.body);
      assert.equal(fired.json().type, type);
      const event = await ctx.call(token, { url: `/v1/events/${fired.json().event_id}` });
      assert.equal(event.statusCode, 200);
      assert.equal(event.json().type, type);
    }
    const [historical] = await receivedFor(connection.id, 'connection.historical_update', 2);
    assert.equal(
      (historical!.data.products as Json).transactions.count,
      connection.product_status.transactions.count,
    );
    const [updated] = await receivedFor(connection.id, 'connection.updated', 1);
    const sync = await ctx.call(token, {
      url: `/v1/transactions/sync?connection_id=${connection.id}&cursor=${updated!.data.sync_cursor}`,
    });
    assert.equal(sync.statusCode, 200, 'the fired cursor is one the sync feed takes');
    const [expiring] = await receivedFor(connection.id, 'connection.consent_expiring', 1);
    assert.equal(expiring!.data.days_left, 7);
  });

  test('bad input, another client’s connection and unknown ids are refused and change nothing', async () => {
    const connection = await connected();
    const eventsBefore = (await ctx.call(token, { url: '/v1/events?page_size=100' })).json().data.length;
    for (const [path, body, code, status] of [
      [`/v1/sandbox/connections/${connection.id}/status`, { status: 'ok' }, 'VALIDATION_FAILED', 400],
      [
        `/v1/sandbox/connections/${connection.id}/status`,
        { status: 'credentials_invalid', x: 1 },
        'VALIDATION_FAILED',
        400,
      ],
      [
        `/v1/sandbox/connections/${connection.id}/webhooks`,
        { type: 'webhook.test' },
        'VALIDATION_FAILED',
        400,
      ],
      ['/v1/sandbox/connections/con_doesnotexist00/status', { status: 'consent_expired' }, 'NOT_FOUND', 404],
    ] as const) {
      const answer = await post(path, body);
      assert.equal(answer.statusCode, status, answer.body);
      assert.equal(answer.json().code, code);
    }
    for (const path of ['status', 'webhooks']) {
      const body = path === 'status' ? { status: 'consent_expired' } : { type: 'connection.updated' };
      const answer = await post(`/v1/sandbox/connections/${connection.id}/${path}`, body, otherToken);
      assert.equal(answer.statusCode, 404, 'another client’s connection is not found');
    }
    const still = (await ctx.call(token, { url: `/v1/connections/${connection.id}` })).json();
    assert.equal(still.status, 'ok');
    assert.equal(
      (await ctx.call(token, { url: '/v1/events?page_size=100' })).json().data.length,
      eventsBefore,
    );
  });

  test('a connection of a real institution is not a sandbox one: 409 SANDBOX_ONLY', async () => {
    const file = Buffer.from('!Type:Bank\nD2026-11-02\nT-19.99\nPStreaming service\n^\n');
    const imported = await ctx.call(token, {
      method: 'POST',
      url: '/v1/imports?currency=EUR',
      headers: { 'content-type': 'application/octet-stream' },
      payload: file,
    });
    assert.equal(imported.statusCode, 201, imported.body);
    const id = imported.json().connection_id;
    const answer = await post(`/v1/sandbox/connections/${id}/status`, { status: 'credentials_invalid' });
    assert.equal(answer.statusCode, 409);
    assert.equal(answer.json().code, 'SANDBOX_ONLY');
    assert.equal((await ctx.call(token, { url: `/v1/connections/${id}` })).json().status, 'ok');
  });
});
