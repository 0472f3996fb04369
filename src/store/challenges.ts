// Rows of challenges: the steps a refresh waits on the end user for. An answer claims an open
// challenge (open → answered) in one guarded update, so of concurrent answers only one is taken.
import type { Insertable, Updateable } from 'kysely';
import type { ChallengesTable, Db } from './schema.ts';

export async function insertChallenge(db: Db, row: Insertable<ChallengesTable>): Promise<void> {
  await db.insertInto('challenges').values(row).execute();
}

export async function updateChallenge(
  db: Db,
  id: string,
  values: Updateable<ChallengesTable>,
): Promise<void> {
  await db.updateTable('challenges').set(values).where('id', '=', id).execute();
}

/** open → answered; false when the challenge was not open any more (answered, expired, failed). */
export async function claimOpenChallenge(db: Db, id: string): Promise<boolean> {
  const claimed = await db
    .updateTable('challenges')
    .set({ status: 'answered' })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .returning('id')
    .executeTakeFirst();
  return claimed !== undefined;
}

/** Where a challenge stands (open, answered, completed, failed, expired) and its attempts left. */
export async function findChallengeState(db: Db, id: string) {
  return db
    .selectFrom('challenges')
    .select(['status', 'attempts_left'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Closes the refresh's challenge still open or answered as failed (no attempts left): its refresh
 * failed, so whoever waits on the answer (the challenge route, a consent callback) is told now.
 */
export async function failChallengesOf(db: Db, refreshId: string): Promise<void> {
  await db
    .updateTable('challenges')
    .set({ status: 'failed', attempts_left: 0 })
    .where('refresh_id', '=', refreshId)
    .where('status', 'in', ['open', 'answered'])
    .execute();
}
