// Helpers to drive connections through the API the way a client does.
import assert from 'node:assert/strict';
import type { TestContext } from './context.ts';

export interface ConnectionBody {
  id: string;
  status: string;
  needs_user: boolean;
  challenge: {
    id: string;
    type: string;
    prompt: string;
    fields: Array<{ name: string }>;
    attempts_left: number | null;
  } | null;
  refresh: { id: string; status: string } | null;
  product_status: Record<string, { created: boolean; errored: boolean; error: string | null; count: number }>;
  has_credentials: boolean;
  next_refresh_at: string | null;
  last_transaction_date: string | null;
  status_history: Array<{ from: string | null; to: string }>;
  [key: string]: unknown;
}

export async function createConnection(
  ctx: TestContext,
  token: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<ConnectionBody> {
  const response = await ctx.call(token, {
    method: 'POST',
    url: '/v1/connections',
    payload: { access_mode: 'recurrent', ...body },
    headers,
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

export async function getConnection(ctx: TestContext, token: string, id: string): Promise<ConnectionBody> {
  const response = await ctx.call(token, { url: `/v1/connections/${id}` });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

/** Polls until the connection has no refresh in flight (or is waiting for the user). */
export async function waitForConnection(
  ctx: TestContext,
  token: string,
  id: string,
  done: (c: ConnectionBody) => boolean = (c) => c.refresh === null || c.refresh.status === 'waiting_user',
  timeoutMs = 30_000,
): Promise<ConnectionBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const connection = await getConnection(ctx, token, id);
    if (done(connection)) return connection;
    if (Date.now() > deadline)
      throw new Error(`connection ${id} still ${connection.status} / ${connection.refresh?.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function connect(
  ctx: TestContext,
  token: string,
  body: Record<string, unknown>,
): Promise<ConnectionBody> {
  const created = await createConnection(ctx, token, body);
  return waitForConnection(ctx, token, created.id);
}

export const good = (username = 'user_good', institution = 'ins_sandbox_bank') => ({
  institution_id: institution,
  credentials: { username, password: 'pass_good' },
});
