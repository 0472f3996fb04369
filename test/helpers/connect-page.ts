// The hosted Connect page's own API, played as the page does it (the end user's side) from the
// page's URL: `/connect/<session id>#<session token>`.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { TestContext } from './context.ts';

export type PageCall = (
  method: 'GET' | 'POST',
  path: string,
  payload?: Record<string, unknown>,
) => Promise<LightMyRequestResponse>;

export function connectPage(
  ctx: TestContext,
  pageUrl: string,
  headers: Record<string, string> = {},
): PageCall {
  const match = /\/connect\/([^#/]+)#(.+)$/.exec(pageUrl);
  assert.ok(match, pageUrl);
  const [, sessionId, sessionToken] = match;
  return (method, path, payload) =>
    ctx.app.inject({
      method,
      url: `/connect/api/${sessionId}${path}`,
      headers: { authorization: `Bearer ${sessionToken}`, ...headers },
      ...(payload ? { payload: payload as never } : {}),
    });
}
