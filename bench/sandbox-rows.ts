// The benchmark load: the sandbox's current-account transactions for user_good_<count>, in the
// connector's own batches, streamed or generated before any timing starts.
import { sandboxConnector } from '../src/connectors/sandbox/index.ts';
import type { NormalizedRecord } from '../src/domain/records.ts';

/** user_good_<count>'s transactions as the sandbox extracts them, batch by batch. */
export async function* sandboxBatches(count: number): AsyncGenerator<NormalizedRecord[]> {
  const now = new Date('2026-11-01T10:00:00Z');
  const login = await sandboxConnector.login({
    institutionId: 'ins_sandbox_bank',
    credentials: { username: `user_good_${count}`, password: 'pass_good' },
    session: {},
    refreshNumber: 0,
    now,
  });
  if (login.status !== 'ok') throw new Error('login failed');
  for await (const batch of sandboxConnector.extract({
    institutionId: 'ins_sandbox_bank',
    session: login.session,
    product: 'transactions',
    since: new Date(0),
    refreshNumber: 0,
    now,
  })) {
    yield [...batch];
  }
}

/** All of them, generated at once. */
export async function sandboxTransactions(count: number): Promise<NormalizedRecord[][]> {
  const batches: NormalizedRecord[][] = [];
  for await (const batch of sandboxBatches(count)) batches.push(batch);
  return batches;
}
