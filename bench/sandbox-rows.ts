// The benchmark load: the sandbox's current-account transactions for user_good_<count>, generated
// before any timing starts, in the connector's own batches.
import { sandboxConnector } from '../src/connectors/sandbox/index.ts';
import type { NormalizedRecord } from '../src/domain/records.ts';

export async function sandboxTransactions(count: number): Promise<NormalizedRecord[][]> {
  const now = new Date('2026-11-01T10:00:00Z');
  const login = await sandboxConnector.login({
    institutionId: 'ins_sandbox_bank',
    credentials: { username: `user_good_${count}`, password: 'pass_good' },
    session: {},
    refreshNumber: 0,
    now,
  });
  if (login.status !== 'ok') throw new Error('login failed');
  const batches: NormalizedRecord[][] = [];
  const source = {
    institutionId: 'ins_sandbox_bank',
    session: login.session,
    product: 'transactions' as const,
  };
  for await (const batch of sandboxConnector.extract({
    ...source,
    since: new Date(0),
    refreshNumber: 0,
    now,
  })) {
    batches.push([...batch]);
  }
  return batches;
}
