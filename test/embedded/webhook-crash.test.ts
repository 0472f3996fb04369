// kill -9 of the server while a webhook is on the wire loses nothing: after a restart the delivery
// goes out again (same webhook-id, so the receiver can dedupe) and is recorded as delivered.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { getToken, type Server, startServer } from '../helpers/processes.ts';
import { startReceiver } from '../helpers/receiver.ts';

async function api(server: Server, token: string, url: string, init: RequestInit = {}) {
  const response = await fetch(`${server.baseUrl}${url}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked by the assertions
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

test('a delivery in flight when the process is killed is delivered after the restart', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-webhook-crash-'));
  const env = { TESORO_DATA_DIR: dataDir, TESORO_PUBLIC_URL: 'http://tesoro.crash' };
  const receiver = await startReceiver();
  // The first request is never answered: the process dies with the delivery in flight.
  receiver.respond(() => (receiver.received.length === 1 ? { hang: true } : { status: 200 }));
  let server = await startServer(env);
  try {
    const dev = JSON.parse(fs.readFileSync(path.join(dataDir, 'dev-client.json'), 'utf8'));
    const token = (
      (await (await getToken(server.baseUrl, dev.client_id, dev.client_secret)).json()) as {
        access_token: string;
      }
    ).access_token;
    const endpoint = await api(server, token, '/v1/webhook-endpoints', {
      method: 'POST',
      body: JSON.stringify({ url: receiver.url, events: ['webhook.test'] }),
    });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
    const event = await api(server, token, `/v1/webhook-endpoints/${endpoint.body.id}/test`, {
      method: 'POST',
    });
    assert.equal(event.status, 202, JSON.stringify(event.body));
    await receiver.waitFor(1);
    await server.stop('SIGKILL');

    server = await startServer(env);
    await receiver.waitFor(2);
    const [first, second] = receiver.received;
    assert.equal(first!.headers['webhook-id'], event.body.id);
    assert.equal(second!.headers['webhook-id'], event.body.id);
    assert.equal(receiver.verify(second!, endpoint.body.secret).type, 'webhook.test');

    // The log says delivered; the attempt that died with the process left no outcome to record.
    let deliveries: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 100; i++) {
      deliveries = (await api(server, token, `/v1/webhook-endpoints/${endpoint.body.id}/deliveries`)).body
        .data;
      if (deliveries[0]?.status === 'succeeded') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0]!.status, 'succeeded');
  } finally {
    await server.stop();
    await receiver.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
