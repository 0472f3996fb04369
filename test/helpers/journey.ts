// What a browser journey through the hosted Connect page needs beside Tesoro: the developer's
// application (a page on loopback where the end user lands with `?code=…&state=…`, registered as
// the client's redirect URI) and Chromium (Debian's, driven by playwright-core).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { type ConnectionBody, waitForConnection } from './connections.ts';
import type { TestContext } from './context.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Journey {
  browser: Browser;
  /** The developer's callback, registered for the client. */
  redirectUri: string;
  close(): Promise<void>;
}

export async function startJourney(ctx: TestContext, token: string): Promise<Journey> {
  const app = http.createServer((request, response) => {
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(`<!doctype html><title>App</title><p>${new URL(request.url!, 'http://app').search}</p>`);
  });
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  const redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
  const registered = await ctx.call(token, {
    method: 'PUT',
    url: '/v1/client/redirect-uris',
    payload: { redirect_uris: [redirectUri] },
  });
  assert.equal(registered.statusCode, 200, registered.body);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  return {
    browser,
    redirectUri,
    async close() {
      await browser.close();
      app.close();
    },
  };
}

/**
 * The developer's side once the end user is back at the redirect URI: the one-use code exchanged,
 * then the connection it names once its refresh has ended.
 */
export async function connectionOfCode(
  ctx: TestContext,
  token: string,
  landing: string,
): Promise<ConnectionBody> {
  const code = new URL(landing).searchParams.get('code');
  assert.ok(code, landing);
  const exchanged = await ctx.call(token, { method: 'POST', url: '/v1/connect/exchange', payload: { code } });
  assert.equal(exchanged.statusCode, 200, exchanged.body);
  return waitForConnection(ctx, token, exchanged.json().connection_id as string, (c) => c.refresh === null);
}
