// Documents: the statement files users import, kept byte for byte. The bytes are stored in parts
// of 1 MiB (migration 0008), written one statement each and read back one at a time, so neither a
// 50 MB upload nor its download holds the embedded database, or the event loop, for long. A file
// read in pieces (from disk) is stored as it is read (insertDocumentPieces), a part at a time.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { pageByCreation } from './keyset.ts';
import type { Db } from './schema.ts';

export const DOCUMENT_PART_BYTES = 1024 * 1024;

export interface NewDocument {
  id: string;
  client_id: string;
  connection_id: string | null;
  filename: string | null;
  content_type: string;
}

export async function insertDocument(db: Db, document: NewDocument, bytes: Uint8Array): Promise<void> {
  await db
    .insertInto('documents')
    .values({
      ...document,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    })
    .execute();
  for (let part = 0; part * DOCUMENT_PART_BYTES < bytes.length || part === 0; part++)
    await insertPart(
      db,
      document.id,
      part,
      bytes.subarray(part * DOCUMENT_PART_BYTES, (part + 1) * DOCUMENT_PART_BYTES),
    );
}

async function insertPart(db: Db, documentId: string, part: number, piece: Uint8Array): Promise<void> {
  // As base64 text, decoded by the database: PGlite encodes a bytea parameter ten times slower.
  await sql`
    insert into document_parts (document_id, part, content)
    values (${documentId}, ${part}, decode(${Buffer.from(piece.buffer, piece.byteOffset, piece.length).toString('base64')}, 'base64'))`.execute(
    db,
  );
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Stores a document whose bytes arrive in pieces of any size, in the same 1 MiB parts as
 * insertDocument, each written once it is full, so no more than a part is held. `expected`: the
 * size and sha-256 the bytes were read with before; the pieces must give the same, else this throws
 * (in the caller's transaction, so nothing of it stays).
 */
export async function insertDocumentPieces(
  db: Db,
  document: NewDocument,
  pieces: AsyncIterable<Uint8Array>,
  expected: { size: number; sha256: string },
): Promise<void> {
  await db
    .insertInto('documents')
    .values({ ...document, ...expected })
    .execute();
  const hash = createHash('sha256');
  let size = 0;
  let part = 0;
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  const flush = async () => {
    await insertPart(db, document.id, part++, held.length === 1 ? held[0]! : Buffer.concat(held));
    held = [];
    heldBytes = 0;
  };
  for await (const piece of pieces) {
    hash.update(piece);
    size += piece.length;
    for (let offset = 0; offset < piece.length; ) {
      const take = Math.min(DOCUMENT_PART_BYTES - heldBytes, piece.length - offset);
      held.push(piece.subarray(offset, offset + take));
      heldBytes += take;
      offset += take;
      if (heldBytes === DOCUMENT_PART_BYTES) await flush();
    }
  }
  // The last part, or the only (empty) one of an empty file.
  if (heldBytes > 0 || part === 0) await flush();
  if (size !== expected.size || hash.digest('hex') !== expected.sha256)
    throw new Error(`The file changed while it was being imported (document ${document.id}).`);
}

/** A document's description (not its bytes) if it is this client's. */
export async function findDocument(db: Db, clientId: string, id: string) {
  return db
    .selectFrom('documents')
    .select(['id', 'filename', 'content_type', 'size', 'sha256'])
    .where('client_id', '=', clientId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A document's bytes, part after part. */
export async function* documentParts(db: Db, documentId: string): AsyncGenerator<Buffer> {
  for (let part = 0; ; part++) {
    const result = await sql<{ content: string }>`
      select encode(content, 'base64') as content from document_parts
      where document_id = ${documentId} and part = ${part}`.execute(db);
    const row = result.rows[0];
    if (!row) return;
    yield Buffer.from(row.content, 'base64');
  }
}

export async function documentBytes(db: Db, documentId: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of documentParts(db, documentId)) parts.push(part);
  return Buffer.concat(parts);
}

/** A queued import's document joins the connection its import created. */
export async function setDocumentConnection(db: Db, id: string, connectionId: string): Promise<void> {
  await db.updateTable('documents').set({ connection_id: connectionId }).where('id', '=', id).execute();
}

export async function deleteDocument(db: Db, id: string): Promise<void> {
  await db.deleteFrom('documents').where('id', '=', id).execute();
}

export interface DocumentFilters {
  clientId: string;
  connectionIds?: readonly string[] | undefined;
  createdFrom?: Date | undefined;
  createdTo?: Date | undefined;
}

const documentColumns = [
  'id',
  'connection_id',
  'filename',
  'content_type',
  'size',
  'sha256',
  'created_at',
] as const;

function documentsMatching(db: Db, filters: DocumentFilters) {
  let select = db.selectFrom('documents').where('client_id', '=', filters.clientId);
  if (filters.connectionIds)
    select =
      filters.connectionIds.length === 0
        ? select.where(sql<boolean>`false`)
        : select.where('connection_id', 'in', filters.connectionIds);
  if (filters.createdFrom) select = select.where('created_at', '>=', filters.createdFrom);
  if (filters.createdTo) select = select.where('created_at', '<=', filters.createdTo);
  return select;
}

/** A client's documents by offset (facades that page so), newest first, and how many match. */
export async function listDocumentRows(
  db: Db,
  filters: DocumentFilters,
  page: { limit: number; offset: number },
) {
  const matching = documentsMatching(db, filters);
  const [rows, count] = await Promise.all([
    matching
      .select(documentColumns)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    matching.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/** One keyset page of a client's documents, newest first (the native list). */
export async function pageDocumentRows(
  db: Db,
  filters: DocumentFilters,
  page: { page_size: number; cursor?: string | undefined },
) {
  return pageByCreation(documentsMatching(db, filters).select(documentColumns), page, { direction: 'desc' });
}
