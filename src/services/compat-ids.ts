// Integer ids for facades whose clients expect integers (SPEC gap G3; Powens). Allocated on first
// exposure, per client and kind, never reused; nothing else in Tesoro knows them.
import { allocateIntegerIds, nativeIdOfInteger } from '../store/compat-ids.ts';
import type { ServiceDeps } from './deps.ts';

type Deps = Pick<ServiceDeps, 'db'>;

/** The integer of each native id (a Map keyed by native id), allocating the new ones. */
export async function integerIdsFor(
  deps: Deps,
  clientId: string,
  kind: string,
  nativeIds: readonly string[],
): Promise<Map<string, number>> {
  const rows = await allocateIntegerIds(deps.db, clientId, kind, nativeIds);
  return new Map(rows.map((row) => [row.native_id, row.id]));
}

/**
 * The native id behind an integer the client was shown; undefined for an integer never allocated,
 * another client's, or another kind's (all three are "not found" to the caller).
 */
export async function nativeIdFor(
  deps: Deps,
  clientId: string,
  kind: string,
  id: number,
): Promise<string | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return nativeIdOfInteger(deps.db, clientId, kind, id);
}
