// Statement documents are stored in parts of 1 MiB, and a queued import keeps its options.
//
// A whole file as one bytea parameter took the embedded database 15 s for 49 MB (PGlite encodes
// a bytea parameter byte by byte), all of it on the one event loop: every other request waited.
// Parts written one statement each (as base64 text, which it decodes in C) take about 30 ms each,
// with the event loop free between them, and are read back a part at a time for streaming.
// The options let a queued import interrupted by a crash be sent again at the next start.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table document_parts (
      document_id text not null references documents(id) on delete cascade,
      part integer not null,
      content bytea not null,
      primary key (document_id, part)
    )`.execute(db);
  await sql`insert into document_parts (document_id, part, content) select id, 0, content from documents`.execute(
    db,
  );
  await sql`alter table documents drop column content`.execute(db);
  await sql`alter table imports add column options json`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table imports drop column options`.execute(db);
  await sql`alter table documents add column content bytea`.execute(db);
  await sql`
    update documents d set content = (
      select string_agg(p.content, ''::bytea order by p.part) from document_parts p where p.document_id = d.id
    )`.execute(db);
  await sql`alter table documents alter column content set not null`.execute(db);
  await sql`drop table document_parts`.execute(db);
}
