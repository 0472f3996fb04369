// Integer ids for the facades whose clients expect integers (Powens: `id_user`, a connection's,
// an account's, a transaction's `id`). An integer is allocated the first time a native id is shown,
// per client and kind, and never reused: the same thing keeps its integer for good, and a deleted
// thing's integer names nothing afterwards. One identity sequence serves every client and kind, so
// concurrent allocations never collide.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table compat_ids (
      id bigint generated always as identity primary key,
      client_id text not null references clients(id) on delete cascade,
      kind text not null,
      native_id text not null,
      unique (client_id, kind, native_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table compat_ids`.execute(db);
}
