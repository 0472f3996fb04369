// What examples/ ships works as its comments say: every sample statement imports, the Node webhook
// receiver accepts Tesoro's signed deliveries (and refuses a forged one), and the Connect callback
// exchanges the code an end user comes back with.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { good } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { freePort } from './helpers/processes.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked by the assertions
type Json = Record<string, any>;

/** An example script as a user starts it, resolved once it prints `ready`. */
async function startExample(script: string, env: Record<string, string>, ready: RegExp) {
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk) => {
    output += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} in:\n${output}`)), 60_000);
      const check = () => {
        if (!pattern.test(output)) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      };
      listeners.add(check);
      check();
    });
  await waitFor(ready);
  return {
    output: () => output,
    waitFor,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

describe('examples/', () => {
  let ctx: TestContext;
  let token: string;
  let baseUrl: string;

  before(async () => {
    ctx = await buildTestContext();
    token = await ctx.tokenFor(await ctx.createClient());
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  });
  after(() => ctx.close());

  test('every sample statement imports (one per format)', async () => {
    const dir = 'examples/statements';
    const files = fs.readdirSync(dir).sort();
    const formats = new Set<string>();
    for (const file of files) {
      const response = await ctx.call(token, {
        method: 'POST',
        url: `/v1/imports?filename=${file}&currency=EUR`,
        headers: { 'content-type': 'application/octet-stream' },
        payload: fs.readFileSync(path.join(dir, file)),
      });
      assert.equal(response.statusCode, 201, `${file}: ${response.body}`);
      assert.ok(response.json().summary.transactions > 0, file);
      formats.add(response.json().format);
    }
    assert.deepEqual([...formats].sort(), ['camt', 'csv', 'mt940', 'norma43', 'ofx', 'qif']);
  });

  test('examples/webhooks/verify.mjs accepts a signed delivery and refuses a forged one', async () => {
    const port = await freePort();
    const created = await ctx.call(token, {
      method: 'POST',
      url: '/v1/webhook-endpoints',
      payload: { url: `http://127.0.0.1:${port}/hooks`, events: ['webhook.test'] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const endpoint = created.json() as Json;
    const receiver = await startExample(
      'examples/webhooks/verify.mjs',
      { WEBHOOK_SECRET: endpoint.secret, PORT: String(port) },
      /Receiving webhooks/,
    );
    try {
      const sent = await ctx.call(token, {
        method: 'POST',
        url: `/v1/webhook-endpoints/${endpoint.id}/test`,
      });
      assert.equal(sent.statusCode, 202, sent.body);
      await receiver.waitFor(/^webhook\.test \{/m);
      const forged = await fetch(`http://127.0.0.1:${port}/hooks`, {
        method: 'POST',
        headers: {
          'webhook-id': 'msg_forged',
          'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
          'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        },
        body: '{"type":"connection.deleted","data":{}}',
      });
      assert.equal(forged.status, 400);
      assert.ok(!receiver.output().includes('connection.deleted'));
    } finally {
      await receiver.stop();
    }
  });

  test('examples/connect-callback.mjs exchanges the code the end user comes back with', async () => {
    const port = await freePort();
    const redirectUri = `http://localhost:${port}/callback`;
    const registered = await ctx.call(token, {
      method: 'PUT',
      url: '/v1/client/redirect-uris',
      payload: { redirect_uris: [redirectUri] },
    });
    assert.equal(registered.statusCode, 200, registered.body);
    const session = await ctx.call(token, {
      method: 'POST',
      url: '/v1/connect/sessions',
      payload: { redirect_uri: redirectUri, state: 'xyz', external_id: 'example-user' },
    });
    assert.equal(session.statusCode, 201, session.body);
    const { id, url } = session.json() as Json;
    // The end user's side: the page's own API, as the page calls it.
    const page = (method: 'GET' | 'POST', part: string, payload?: Json) =>
      ctx.app.inject({
        method,
        url: `/connect/api/${id}${part}`,
        headers: { authorization: `Bearer ${new URL(url).hash.slice(1)}` },
        ...(payload ? { payload } : {}),
      });
    assert.equal((await page('POST', '/credentials', good())).statusCode, 200);
    for (let i = 0; (await page('GET', '/progress')).json().state !== 'success'; i++) {
      assert.ok(i < 600, 'the connection never succeeded');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const finished = (await page('POST', '/finish')).json() as Json;
    const landing = new URL(finished.redirect_url ?? `${redirectUri}?code=${finished.code}&state=xyz`);
    const callback = await startExample(
      'examples/connect-callback.mjs',
      { TESORO_URL: baseUrl, TOKEN: token, PORT: String(port) },
      /Waiting for Connect callbacks/,
    );
    try {
      const answer = await fetch(landing);
      assert.equal(answer.status, 200);
      const html = await answer.text();
      assert.match(html, /<h1>Connected<\/h1>/);
      assert.match(html, /"external_id": "example-user"/);
      // A code is used once: the same landing again is refused, and says so.
      const again = await fetch(landing);
      assert.equal(again.status, 400);
      assert.match(await again.text(), /Exchange refused/);
      const cancelled = await fetch(`${redirectUri}?error=cancelled&state=xyz`);
      assert.match(await cancelled.text(), /Not connected[\s\S]*error: cancelled/);
    } finally {
      await callback.stop();
    }
  });
});
